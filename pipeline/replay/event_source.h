// Where a replay's events come from: files (JSONL, CSV, length-delimited
// protobuf, each optionally gzip'd) or the engine's own event log. One
// interface, so the replayer, its error reports and its progress bar do not
// care which.
#ifndef RISKFLOW_PIPELINE_REPLAY_EVENT_SOURCE_H_
#define RISKFLOW_PIPELINE_REPLAY_EVENT_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {

// How far a source has got, in whatever unit it knows the total of (bytes
// of a file, sequences of a log). Only the ratio done/total is meaningful.
struct SourceProgress {
  uint64_t done = 0;
  uint64_t total = 0;
};

class EventSource {
 public:
  virtual ~EventSource() = default;

  // Fills `event` and returns true, or returns false at the end. An
  // InvalidArgument error is one bad record (malformed line, bad value):
  // its message starts with Position(), and reading may go on after it, as
  // the live daemon rejects one event and takes the next. Any other error
  // (I/O, corrupt gzip, truncated file) ends the source.
  virtual absl::StatusOr<bool> Next(riskflow::v1::Event* event) = 0;

  // Where the last event or error came from, for messages:
  // "events.csv:12", "events.pb: record 7 (byte 913)", "/data/log seq 42".
  virtual std::string Position() const = 0;

  // For the ETA; nullopt when the total is unknown (stdin). Called from the
  // progress thread while Next runs on another, so implementations read
  // only atomics here.
  virtual std::optional<SourceProgress> Progress() const {
    return std::nullopt;
  }
};

enum class FileFormat { kJsonl, kCsv, kProto };

// "jsonl" (or "json"), "csv", "proto" (or "pb"); errors list the choices.
absl::StatusOr<FileFormat> ParseFileFormat(const std::string& text);

// The format a file name implies, ignoring a ".gz" suffix: .jsonl .json
// .ndjson -> JSONL, .csv -> CSV, .pb .binpb .bin .protodelim -> proto.
std::optional<FileFormat> FormatFromName(const std::string& path);

struct FileSourceOptions {
  std::string path;  // "-" = stdin
  // Empty: guessed from the name (an error when the name says nothing).
  std::optional<FileFormat> format;
  // CSV only: "event_field=column,..." (see csv_source.h); empty means the
  // header names the event fields itself.
  std::string csv_map;
};

// Opens a file source; gzip is detected by magic bytes.
absl::StatusOr<std::unique_ptr<EventSource>> OpenFileSource(
    const FileSourceOptions& options);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_EVENT_SOURCE_H_
