// Real certificates for the TLS tests: tools/certs.sh run at test time into
// a temp dir (certificates are date-dependent, so never generated at build
// time), and mTLS channels that present one identity's certificate.
#ifndef RISKFLOW_TESTS_TLS_CERTS_H_
#define RISKFLOW_TESTS_TLS_CERTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace riskflow::e2e {

// Runs tools/certs.sh (a data dependency: //:tools/certs.sh) into a fresh
// temp dir and returns the dir: ca.pem, server.pem/.key, <identity>.pem/.key
// for ingest-card ingest-wallet consumer-freeze consumer-notify admin
// reader, and wrong-ca.pem, wrong-admin.pem/.key.
absl::StatusOr<std::string> MakeDevCerts();

struct TlsClient {
  std::string dir;  // from MakeDevCerts
  // Client certificate to present (<dir>/<identity>.pem); empty presents
  // none.
  std::string identity;
  // The CA the client trusts for the server (<dir>/<ca>.pem).
  std::string ca = "ca";
};

// A TLS channel to 127.0.0.1:port; does not connect yet.
std::shared_ptr<grpc::Channel> MakeTlsChannel(int port,
                                              const TlsClient& client);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_TLS_CERTS_H_
