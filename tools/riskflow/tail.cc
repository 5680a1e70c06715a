#include "tools/riskflow/tail.h"

#include <chrono>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "pipeline/replay/jsonl_reader.h"
#include "tools/riskflow/channel.h"
#include "tools/riskflow/decision_format.h"

namespace riskflow::cli {

absl::StatusOr<TailOptions> ParseTailArgs(
    const std::vector<std::string>& args) {
  TailOptions options;
  std::string format = "text";
  FlagSet flags("riskflow tail");
  AddGlobalFlags(&flags, &options.global);
  flags.AddInt("after", &options.after,
               "print entries with a sink sequence above this", 0);
  flags.AddBool("follow", &options.follow,
                "keep printing new decisions until interrupted");
  flags.AddInt("max", &options.max, "stop after this many (0 = no limit)", 0);
  flags.AddString("consumer", &options.consumer, "a named consumer");
  flags.AddBool("from_committed", &options.from_committed,
                "start after the consumer's committed cursor");
  flags.AddBool("commit", &options.commit,
                "commit the last printed sequence as the consumer's cursor");
  flags.AddString("format", &format, "text or json");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->size() != 1) {
    return absl::InvalidArgumentError(
        "needs exactly one SINK (FREEZE, NOTIFY or "
        "MANUAL_REVIEW)");
  }
  absl::StatusOr<riskflow::v1::Route> sink = ParseSink(positional->front());
  if (!sink.ok()) return sink.status();
  options.sink = *sink;
  absl::StatusOr<OutputFormat> parsed_format = ParseOutputFormat(format);
  if (!parsed_format.ok()) return parsed_format.status();
  options.format = *parsed_format;
  if ((options.from_committed || options.commit) && options.consumer.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.commit ? "--commit" : "--from_committed",
        " needs --consumer NAME (cursors belong to a named consumer)"));
  }
  if (options.from_committed && flags.WasSet("after")) {
    return absl::InvalidArgumentError(
        "use either --after or --from_committed, not both");
  }
  if (options.commit && options.follow && options.max == 0) {
    return absl::InvalidArgumentError(
        "--commit with --follow needs --max N: the cursor is committed when "
        "tail stops, and without --max it only stops when interrupted");
  }
  return options;
}

riskflow::v1::SubscribeRequest MakeSubscribeRequest(
    const TailOptions& options) {
  riskflow::v1::SubscribeRequest request;
  request.set_sink(options.sink);
  request.set_after_sequence(static_cast<uint64_t>(options.after));
  request.set_consumer(options.consumer);
  request.set_from_committed(options.from_committed);
  request.set_stop_at_end(!options.follow);
  request.set_max_decisions(static_cast<uint64_t>(options.max));
  return request;
}

namespace {

int CommitCursor(const TailOptions& options,
                 riskflow::v1::Sinks::StubInterface* stub, uint64_t sequence,
                 std::ostream& err) {
  riskflow::v1::CommitCursorRequest request;
  request.set_sink(options.sink);
  request.set_consumer(options.consumer);
  request.set_sequence(sequence);
  riskflow::v1::CommitCursorResponse response;
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(options.global.connect_timeout_ms));
  grpc::Status status = stub->CommitCursor(&context, request, &response);
  if (!status.ok()) {
    err << "riskflow tail: "
        << RpcErrorSentence(absl::StrCat("CommitCursor for consumer \"",
                                         options.consumer, "\""),
                            options.global.target, status)
        << "\n";
    return kExitError;
  }
  err << "riskflow tail: committed " << RouteName(options.sink)
      << " cursor of consumer \"" << options.consumer << "\" at "
      << response.sequence() << "\n";
  return kExitOk;
}

}  // namespace

int RunTail(const TailOptions& options,
            riskflow::v1::Sinks::StubInterface* stub, std::ostream& out,
            std::ostream& err) {
  grpc::ClientContext context;
  auto reader = stub->Subscribe(&context, MakeSubscribeRequest(options));
  riskflow::v1::Decision decision;
  uint64_t last_sequence = 0;
  int64_t printed = 0;
  while (reader->Read(&decision)) {
    if (options.format == OutputFormat::kJson) {
      out << riskflow::replay::DecisionToJson(decision) << "\n";
    } else {
      out << FormatDecisionLine(decision) << "\n";
    }
    // Someone may be watching a live feed through a pipe.
    if (options.follow) out.flush();
    last_sequence = decision.sink_sequence();
    ++printed;
  }
  grpc::Status status = reader->Finish();
  int code = kExitOk;
  if (!status.ok()) {
    err << "riskflow tail: "
        << RpcErrorSentence(
               absl::StrCat("Subscribe to ", RouteName(options.sink)),
               options.global.target, status)
        << "\n";
    code = kExitError;
  }
  // What was printed was delivered, even if the stream broke afterwards.
  if (options.commit && printed > 0 &&
      CommitCursor(options, stub, last_sequence, err) != kExitOk) {
    code = kExitError;
  }
  return code;
}

int TailMain(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<TailOptions> options = ParseTailArgs(args);
  if (!options.ok()) {
    err << "riskflow tail: " << options.status().message() << "\n";
    return kExitError;
  }
  auto channel = ConnectToDaemon(options->global);
  if (!channel.ok()) {
    err << "riskflow tail: " << channel.status().message() << "\n";
    return kExitError;
  }
  auto stub = riskflow::v1::Sinks::NewStub(*channel);
  return RunTail(*options, stub.get(), out, err);
}

}  // namespace riskflow::cli
