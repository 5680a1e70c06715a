#include "tools/riskflow/common.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace riskflow::cli {

void AddGlobalFlags(FlagSet* flags, GlobalOptions* options) {
  flags->AddString("target", &options->target, "riskflowd address, host:port");
  flags->AddInt("connect_timeout_ms", &options->connect_timeout_ms,
                "how long to wait for a connection to riskflowd", 1);
  flags->AddString("tls_ca", &options->tls_ca,
                   "PEM CA that signed riskflowd's certificate; connects "
                   "over TLS");
  flags->AddString("tls_cert", &options->tls_cert,
                   "PEM client certificate (its CN is your identity)");
  flags->AddString("tls_key", &options->tls_key,
                   "PEM private key of --tls_cert");
  flags->AddString("tls_server_name", &options->tls_server_name,
                   "name to verify riskflowd's certificate against "
                   "(default: --target's host)");
}

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "text") return OutputFormat::kText;
  if (lower == "json") return OutputFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --format \"", text, "\" (use text or json)"));
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("code ", static_cast<int>(code));
  }
}

std::string RpcErrorSentence(const std::string& what, const std::string& target,
                             const grpc::Status& status) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return absl::StrCat("cannot reach riskflowd at ", target, ": ",
                          message.empty() ? "unavailable" : message,
                          " (is the daemon running? use --target)");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat(what, " did not finish within its deadline (",
                          "DEADLINE_EXCEEDED", message.empty() ? "" : ": ",
                          message, ")");
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::StrCat(what,
                          " was refused because riskflowd is overloaded "
                          "(RESOURCE_EXHAUSTED: ",
                          message, "); retry later");
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StrCat(
          "riskflowd at ", target, " does not implement ", what,
          " (UNIMPLEMENTED: ", message,
          "); is --target pointing at a riskflowd of this version?");
    default:
      return absl::StrCat(what,
                          " failed: ", StatusCodeName(status.error_code()),
                          message.empty() ? "" : ": ", message);
  }
}

std::string ResolveUserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || path == "-" || cwd == nullptr ||
      cwd[0] == '\0') {
    return path;
  }
  return absl::StrCat(cwd, "/", path);
}

}  // namespace riskflow::cli
