#include "tests/tls_certs.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/runfiles.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::StatusOr<std::string> MakeDevCerts() {
  const std::string dir = MakeTempDir("riskflow-certs");
  if (dir.empty()) return absl::InternalError("mkdtemp failed");
  const std::string command =
      absl::StrCat("bash '", RunfilePath("tools/certs.sh"), "' '", dir,
                   "' >/dev/null");
  if (int rc = std::system(command.c_str()); rc != 0) {
    return absl::InternalError(
        absl::StrCat("`", command, "` failed (status ", rc, ")"));
  }
  return dir;
}

std::shared_ptr<grpc::Channel> MakeTlsChannel(int port,
                                              const TlsClient& client) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Read(absl::StrCat(client.dir, "/", client.ca, ".pem"));
  if (!client.identity.empty()) {
    ssl.pem_cert_chain =
        Read(absl::StrCat(client.dir, "/", client.identity, ".pem"));
    ssl.pem_private_key =
        Read(absl::StrCat(client.dir, "/", client.identity, ".key"));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // One connection per channel: each test channel is its own identity.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::SslCredentials(ssl), args);
}

}  // namespace riskflow::e2e
