// How riskflowd secures its port: TLS files, the authorization policy and
// the explicit opt-out for plaintext on a non-loopback address. Plain
// strings, so DaemonOptions can carry them without gRPC headers.
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_SECURITY_OPTIONS_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_SECURITY_OPTIONS_H_

#include <string>

namespace riskflow::server::auth {

struct SecurityOptions {
  // PEM files: the server's certificate chain and private key (--tls_cert,
  // --tls_key); both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // PEM CA bundle that client certificates must chain to
  // (--tls_client_ca). When set, every client must present a certificate
  // it signed; the certificate names the caller.
  std::string tls_client_ca_file;
  // YAML policy (--auth_policy); needs client certificates.
  std::string auth_policy_file;
  // Serve plaintext on a non-loopback address anyway (--allow_insecure).
  bool allow_insecure = false;
};

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_SECURITY_OPTIONS_H_
