#include "tools/riskflow/channel.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace riskflow::cli {
namespace {

absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& path) {
  std::ifstream in(ResolveUserPath(path), std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const GlobalOptions& options) {
  const bool has_cert = !options.tls_cert.empty() || !options.tls_key.empty();
  if (options.tls_ca.empty()) {
    if (has_cert || !options.tls_server_name.empty()) {
      return absl::InvalidArgumentError(
          "--tls_cert, --tls_key and --tls_server_name need --tls_ca (the CA "
          "of riskflowd's certificate)");
    }
    return grpc::CreateChannel(options.target,
                               grpc::InsecureChannelCredentials());
  }
  if (has_cert && (options.tls_cert.empty() || options.tls_key.empty())) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadPem("tls_ca", options.tls_ca);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (has_cert) {
    absl::StatusOr<std::string> cert = ReadPem("tls_cert", options.tls_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem("tls_key", options.tls_key);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  grpc::ChannelArguments args;
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl),
                                   args);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToDaemon(
    const GlobalOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("--target must not be empty");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> made = MakeChannel(options);
  if (!made.ok()) return made.status();
  std::shared_ptr<grpc::Channel> channel = *std::move(made);
  auto deadline = std::chrono::system_clock::now() +
                  std::chrono::milliseconds(options.connect_timeout_ms);
  // WaitForConnected would sit out the whole timeout on a refused
  // connection (gRPC keeps retrying); the first TRANSIENT_FAILURE already
  // says nobody is listening.
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE ||
        state == GRPC_CHANNEL_SHUTDOWN) {
      return absl::UnavailableError(absl::StrCat(
          "cannot reach riskflowd at ", options.target,
          options.tls_ca.empty()
              ? ": failed to connect (is the daemon running? use --target)"
              : ": failed to connect or the TLS handshake failed (is the "
                "daemon running? does --tls_ca hold the CA of its "
                "certificate, and did its --tls_client_ca sign --tls_cert?)"));
    }
    if (!channel->WaitForStateChange(state, deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot reach riskflowd at ", options.target,
                       ": no connection within ", options.connect_timeout_ms,
                       " ms (is the daemon running? use --target)"));
    }
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return channel;
}

}  // namespace riskflow::cli
