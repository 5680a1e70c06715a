// What every riskflow command shares: the global flags, the output format
// choice, and how a failed RPC is turned into a sentence for the user.
#ifndef RISKFLOW_TOOLS_RISKFLOW_COMMON_H_
#define RISKFLOW_TOOLS_RISKFLOW_COMMON_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cli {

// riskflowd's default listen address.
inline constexpr char kDefaultTarget[] = "127.0.0.1:7411";

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // usage, I/O or transport errors
inline constexpr int kExitRejected = 2;  // publish: the daemon rejected events

struct GlobalOptions {
  std::string target = kDefaultTarget;
  // How long to wait for the first connection: short, so a missing daemon
  // fails fast instead of hanging in gRPC's reconnect back-off.
  int64_t connect_timeout_ms = 5000;
  // mTLS (docs/security.md): the CA that signed riskflowd's certificate,
  // and this client's certificate and key. With --tls_ca set the
  // connection is TLS; without it, plaintext as before.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // The name to check riskflowd's certificate against, when --target's
  // host is not in it (e.g. an IP address behind a load balancer).
  std::string tls_server_name;
};

void AddGlobalFlags(FlagSet* flags, GlobalOptions* options);

enum class OutputFormat { kText, kJson };

// "text" or "json" (case-insensitive).
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text);

// The canonical upper-case name of a gRPC code ("RESOURCE_EXHAUSTED").
std::string StatusCodeName(grpc::StatusCode code);

// A sentence for a failed call `what` ("ListPlugins"), e.g.
// "cannot reach riskflowd at 127.0.0.1:7411: failed to connect (is the
// daemon running? use --target)" or
// "GetHealth failed: PERMISSION_DENIED: ...". Adds a hint where one helps.
std::string RpcErrorSentence(const std::string& what, const std::string& target,
                             const grpc::Status& status);

// A path the user typed, as the process should open it: relative paths are
// taken from $BUILD_WORKING_DIRECTORY when set (`bazel run` starts the tool
// in its runfiles, not where the user is); otherwise path is returned as is.
std::string ResolveUserPath(const std::string& path);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_COMMON_H_
