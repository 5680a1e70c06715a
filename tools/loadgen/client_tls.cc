#include "tools/loadgen/client_tls.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace riskflow::loadgen {
namespace {

absl::StatusOr<std::string> Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ClientTls& tls, grpc::ChannelArguments* args) {
  if (tls.ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = Read(tls.ca);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *ca;
  if (!tls.cert.empty()) {
    absl::StatusOr<std::string> cert = Read(tls.cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = Read(tls.key);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  if (!tls.server_name.empty() && args != nullptr) {
    args->SetSslTargetNameOverride(tls.server_name);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace riskflow::loadgen
