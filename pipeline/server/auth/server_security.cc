#include "pipeline/server/auth/server_security.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "pipeline/server/auth/listen_address.h"
#include "pipeline/server/auth/policy_yaml.h"

namespace riskflow::server::auth {
namespace {

// A PEM file's contents; the error names the flag, the path and what is
// wrong, because gRPC itself only logs a failed handshake per connection.
absl::StatusOr<std::string> ReadPem(absl::string_view flag,
                                    const std::string& path,
                                    absl::string_view kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string pem = buffer.str();
  if (!absl::StrContains(pem, absl::StrCat("-----BEGIN ", kind)) &&
      !(kind == "PRIVATE KEY" && absl::StrContains(pem, "PRIVATE KEY-----"))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": ", path, " holds no PEM ", kind,
        " (expected a \"-----BEGIN ", kind, "-----\" block)"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<ServerSecurity> SetUpServerSecurity(
    absl::string_view listen_address, const SecurityOptions& options) {
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together: give the server's "
        "certificate chain and its private key");
  }
  if (!tls && !options.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca needs --tls_cert and --tls_key: client certificates "
        "are checked only over TLS");
  }
  const bool client_certs = !options.tls_client_ca_file.empty();
  if (!options.auth_policy_file.empty() && !client_certs) {
    return absl::InvalidArgumentError(
        "--auth_policy needs client certificates (--tls_cert, --tls_key and "
        "--tls_client_ca): without them no caller has an identity to "
        "authorize");
  }
  ServerSecurity out;
  const bool loopback = IsLoopbackListenAddress(listen_address);
  if (!tls && !loopback) {
    if (!options.allow_insecure) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve plaintext on ", listen_address,
          ", which is not a loopback address: anyone who reaches the port "
          "could publish, reload the pipeline and edit the lists. Give "
          "--tls_cert, --tls_key and --tls_client_ca (see docs/security.md), "
          "listen on 127.0.0.1, or pass --allow_insecure to accept the risk"));
    }
    out.warnings.push_back(absl::StrCat(
        "WARNING: --allow_insecure: serving plaintext without authentication "
        "on ", listen_address,
        "; anyone who reaches the port can publish, reload the pipeline and "
        "edit the lists"));
  }
  if (tls && !client_certs && !loopback) {
    out.warnings.push_back(absl::StrCat(
        "WARNING: TLS without --tls_client_ca on ", listen_address,
        ": callers are not authenticated, so every caller may call "
        "everything"));
  }
  if (tls && client_certs && options.auth_policy_file.empty()) {
    out.warnings.push_back(
        "note: no --auth_policy: every client with a certificate from "
        "--tls_client_ca may call everything");
  }

  if (!tls) {
    out.credentials = grpc::InsecureServerCredentials();
    out.authorizer = std::make_unique<Authorizer>();
    return out;
  }
  absl::StatusOr<std::string> cert =
      ReadPem("tls_cert", options.tls_cert_file, "CERTIFICATE");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      ReadPem("tls_key", options.tls_key_file, "PRIVATE KEY");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl(
      client_certs ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (client_certs) {
    absl::StatusOr<std::string> ca =
        ReadPem("tls_client_ca", options.tls_client_ca_file, "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  out.credentials = grpc::SslServerCredentials(ssl);
  if (out.credentials == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert/--tls_key: gRPC refused ", options.tls_cert_file, " and ",
        options.tls_key_file));
  }
  if (options.auth_policy_file.empty()) {
    out.authorizer = std::make_unique<Authorizer>();
    return out;
  }
  absl::StatusOr<Policy> policy = LoadPolicyFile(options.auth_policy_file);
  if (!policy.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_policy: ", policy.status().message()));
  }
  out.authorizer = std::make_unique<Authorizer>(*std::move(policy));
  return out;
}

}  // namespace riskflow::server::auth
