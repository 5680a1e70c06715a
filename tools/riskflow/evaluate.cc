#include "tools/riskflow/evaluate.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "pipeline/replay/jsonl_reader.h"
#include "tools/riskflow/channel.h"
#include "tools/riskflow/decision_format.h"

namespace riskflow::cli {

absl::StatusOr<EvaluateOptions> ParseEvaluateArgs(
    const std::vector<std::string>& args) {
  EvaluateOptions options;
  std::string format = "json";
  FlagSet flags("riskflow evaluate");
  AddGlobalFlags(&flags, &options.global);
  flags.AddString("json", &options.json, "the event as a JSON object");
  flags.AddString("file", &options.file,
                  "a file holding one JSON event (- = stdin)");
  flags.AddInt("deadline_ms", &options.deadline_ms,
               "how long riskflowd may take to decide", 1);
  flags.AddString("format", &format, "json or text");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (!positional->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "takes no positional arguments (got \"", positional->front(),
        "\"); pass the event with --json or --file"));
  }
  if (flags.WasSet("json") == flags.WasSet("file")) {
    return absl::InvalidArgumentError(
        "needs exactly one of --json '{...}' or --file "
        "EVENT.json");
  }
  absl::StatusOr<OutputFormat> parsed_format = ParseOutputFormat(format);
  if (!parsed_format.ok()) return parsed_format.status();
  options.format = *parsed_format;
  return options;
}

absl::StatusOr<riskflow::v1::Event> LoadEvaluateEvent(
    const EvaluateOptions& options) {
  std::string text = options.json;
  std::string source = "--json";
  if (!options.file.empty()) {
    source = options.file;
    std::stringstream buffer;
    if (options.file == "-") {
      buffer << std::cin.rdbuf();
    } else {
      std::ifstream in(options.file);
      if (!in.is_open()) {
        return absl::NotFoundError(absl::StrCat("cannot open ", options.file));
      }
      buffer << in.rdbuf();
    }
    text = buffer.str();
  }
  // A pretty-printed file spans lines; the JSON parser does not mind.
  absl::StatusOr<riskflow::v1::Event> event =
      riskflow::replay::ParseEventJson(text);
  if (!event.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": invalid JSON: ", event.status().message()));
  }
  return event;
}

int RunEvaluate(const EvaluateOptions& options,
                riskflow::v1::Ingest::StubInterface* stub, std::ostream& out,
                std::ostream& err) {
  absl::StatusOr<riskflow::v1::Event> event = LoadEvaluateEvent(options);
  if (!event.ok()) {
    err << "riskflow evaluate: " << event.status().message() << "\n";
    return kExitError;
  }
  riskflow::v1::EvaluateRequest request;
  *request.mutable_event() = *std::move(event);
  riskflow::v1::EvaluateResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(options.deadline_ms));
  grpc::Status status = stub->Evaluate(&context, request, &response);
  if (!status.ok()) {
    err << "riskflow evaluate: "
        << RpcErrorSentence(
               absl::StrCat("Evaluate (deadline ", options.deadline_ms, " ms)"),
               options.global.target, status)
        << "\n";
    return kExitError;
  }
  if (options.format == OutputFormat::kText) {
    out << FormatDecisionText(response.decision(), response.duplicate());
  } else {
    out << "{\"duplicate\":" << (response.duplicate() ? "true" : "false")
        << ",\"decision\":"
        << riskflow::replay::DecisionToJson(response.decision()) << "}\n";
  }
  return kExitOk;
}

int EvaluateMain(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  absl::StatusOr<EvaluateOptions> options = ParseEvaluateArgs(args);
  if (!options.ok()) {
    err << "riskflow evaluate: " << options.status().message() << "\n";
    return kExitError;
  }
  // A malformed event should not wait on a connection attempt (stdin can
  // only be read once, so it is checked after connecting).
  if (options->file != "-") {
    if (auto event = LoadEvaluateEvent(*options); !event.ok()) {
      err << "riskflow evaluate: " << event.status().message() << "\n";
      return kExitError;
    }
  }
  auto channel = ConnectToDaemon(options->global);
  if (!channel.ok()) {
    err << "riskflow evaluate: " << channel.status().message() << "\n";
    return kExitError;
  }
  auto stub = riskflow::v1::Ingest::NewStub(*channel);
  return RunEvaluate(*options, stub.get(), out, err);
}

}  // namespace riskflow::cli
