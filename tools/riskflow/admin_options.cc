#include "tools/riskflow/admin_options.h"

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tools/riskflow/channel.h"

namespace riskflow::cli {

absl::StatusOr<AdminOptions> ParseAdminArgs(
    const std::string& command, const std::vector<std::string>& args) {
  AdminOptions options;
  std::string format = "text";
  FlagSet flags(absl::StrCat("riskflow ", command));
  AddGlobalFlags(&flags, &options.global);
  flags.AddString("format", &format, "text or json");
  flags.AddInt("deadline_ms", &options.deadline_ms,
               "how long the call may take", 1);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (!positional->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("takes no arguments (got \"", positional->front(), "\")"));
  }
  absl::StatusOr<OutputFormat> parsed_format = ParseOutputFormat(format);
  if (!parsed_format.ok()) return parsed_format.status();
  options.format = *parsed_format;
  return options;
}

std::unique_ptr<grpc::ClientContext> MakeAdminContext(
    const AdminOptions& options) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(options.deadline_ms));
  return context;
}

std::string MessageToPrettyJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  std::string json;
  // Printing cannot fail for messages without Any fields.
  (void)google::protobuf::util::MessageToJsonString(message, &json, print);
  return json;
}

int AdminMain(const std::string& command, AdminRunner run,
              const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<AdminOptions> options = ParseAdminArgs(command, args);
  if (!options.ok()) {
    err << "riskflow " << command << ": " << options.status().message() << "\n";
    return kExitError;
  }
  auto channel = ConnectToDaemon(options->global);
  if (!channel.ok()) {
    err << "riskflow " << command << ": " << channel.status().message() << "\n";
    return kExitError;
  }
  auto stub = riskflow::v1::Admin::NewStub(*channel);
  return run(*options, stub.get(), out, err);
}

}  // namespace riskflow::cli
