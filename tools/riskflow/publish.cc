#include "tools/riskflow/publish.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pipeline/replay/jsonl_reader.h"
#include "tools/riskflow/channel.h"

namespace riskflow::cli {

absl::StatusOr<PublishOptions> ParsePublishArgs(
    const std::vector<std::string>& args) {
  PublishOptions options;
  FlagSet flags("riskflow publish");
  AddGlobalFlags(&flags, &options.global);
  flags.AddInt("batch_size", &options.batch_size, "events per batch", 1);
  flags.AddInt("window", &options.window,
               "batches in flight before waiting for acks", 1);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("needs exactly one FILE.jsonl (or - for stdin), got ",
                     positional->size(), " arguments"));
  }
  options.file = positional->front();
  return options;
}

int PrintPublishSummary(const PublishOptions& options,
                        const PublishSummary& summary, std::ostream& out,
                        std::ostream& err) {
  const double rate =
      summary.seconds > 0 ? summary.published / summary.seconds : 0;
  out << absl::StrFormat(
      "published %d events from %s in %d %s (%.2f s, %.0f events/s)\n",
      summary.published, options.file == "-" ? "stdin" : options.file,
      summary.batches, summary.batches == 1 ? "batch" : "batches",
      summary.seconds, rate);
  out << "  accepted:   " << summary.accepted << "\n"
      << "  duplicates: " << summary.duplicates << "\n"
      << "  rejected:   " << summary.rejected << "\n";
  if (summary.unparseable > 0) {
    out << "  unparseable lines skipped: " << summary.unparseable << "\n";
  }
  if (summary.unacknowledged > 0) {
    out << "  unacknowledged: " << summary.unacknowledged << "\n";
  }
  out << "  highest durable sequence: " << summary.durable_sequence << "\n";
  for (const Rejection& r : summary.rejections) {
    if (r.event_id.empty()) {
      out << "  line " << r.line << ": " << r.message << "\n";
    } else {
      out << "  line " << r.line << " (event_id " << r.event_id
          << "): " << r.message << "\n";
    }
  }

  bool failed = false;
  if (!summary.stream_status.ok()) {
    failed = true;
    err << "riskflow publish: the Publish stream to " << options.global.target
        << " failed with " << StatusCodeName(summary.stream_status.error_code())
        << ": " << summary.stream_status.error_message();
    if (summary.stream_status.error_code() ==
        grpc::StatusCode::RESOURCE_EXHAUSTED) {
      err << " (riskflowd is overloaded; retry later or lower --window)";
    } else if (summary.stream_status.error_code() ==
               grpc::StatusCode::UNAVAILABLE) {
      err << " (is the daemon running? use --target)";
    }
    err << ".\n";
  }
  if (summary.unacknowledged > 0) {
    failed = true;
    err << "riskflow publish: " << summary.unacknowledged
        << " events were sent but never acknowledged, so they may or may "
           "not be durable; publishing the file again is safe (event ids "
           "are idempotent).\n";
  }
  if (!summary.read_status.ok()) {
    failed = true;
    err << "riskflow publish: stopped reading at "
        << summary.read_status.message()
        << " (nothing from that line on was sent).\n";
  }
  if (failed) return kExitError;
  return summary.rejected > 0 || summary.unparseable > 0 ? kExitRejected
                                                         : kExitOk;
}

int RunPublish(const PublishOptions& options,
               riskflow::v1::Ingest::StubInterface* stub, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<std::unique_ptr<riskflow::replay::JsonlEventReader>> reader =
      riskflow::replay::JsonlEventReader::Open(options.file);
  if (!reader.ok()) {
    err << "riskflow publish: " << reader.status().message() << "\n";
    return kExitError;
  }
  PublisherConfig config;
  config.batch_size = options.batch_size;
  config.window = options.window;
  PublishSummary summary = PublishEvents(**reader, config, stub);
  return PrintPublishSummary(options, summary, out, err);
}

int PublishMain(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  absl::StatusOr<PublishOptions> options = ParsePublishArgs(args);
  if (!options.ok()) {
    err << "riskflow publish: " << options.status().message() << "\n";
    return kExitError;
  }
  // Open the file before connecting: a typo'd path should not wait on a
  // connection attempt. RunPublish opens it again for the actual read.
  if (options->file != "-") {
    auto probe = riskflow::replay::JsonlEventReader::Open(options->file);
    if (!probe.ok()) {
      err << "riskflow publish: " << probe.status().message() << "\n";
      return kExitError;
    }
  }
  auto channel = ConnectToDaemon(options->global);
  if (!channel.ok()) {
    err << "riskflow publish: " << channel.status().message() << "\n";
    return kExitError;
  }
  auto stub = riskflow::v1::Ingest::NewStub(*channel);
  return RunPublish(*options, stub.get(), out, err);
}

}  // namespace riskflow::cli
