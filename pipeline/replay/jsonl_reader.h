// Events from JSONL files: one riskflow.v1.Event per line in the protobuf
// JSON mapping (snake_case or lowerCamelCase field names, enum names such as
// "PAYOUT"). Blank lines and lines starting with '#' are skipped so a sample
// file can carry comments. Unknown field names are errors: a misspelt
// "ammount_minor" would otherwise silently become a zero-amount event.
#ifndef RISKFLOW_PIPELINE_REPLAY_JSONL_READER_H_
#define RISKFLOW_PIPELINE_REPLAY_JSONL_READER_H_

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {

class JsonlEventReader {
 public:
  // "-" reads standard input. Fails with the OS reason when the file cannot
  // be opened: "cannot open events.jsonl: No such file or directory".
  static absl::StatusOr<std::unique_ptr<JsonlEventReader>> Open(
      const std::string& path);

  // Reads from a stream the caller owns (tests, already-open inputs); `name`
  // is what error messages call it.
  static std::unique_ptr<JsonlEventReader> FromStream(std::istream* in,
                                                      std::string name);

  JsonlEventReader(const JsonlEventReader&) = delete;
  JsonlEventReader& operator=(const JsonlEventReader&) = delete;

  // Fills `event` with the next event and returns true, or returns false at
  // the end of the input. A malformed line is an InvalidArgument error
  // "events.jsonl:12: invalid JSON: <reason>"; reading may continue after it.
  absl::StatusOr<bool> Next(riskflow::v1::Event* event);

  // 1-based number of the line the last event (or error) came from; 0
  // before the first call to Next.
  int64_t line() const { return line_; }

  const std::string& name() const { return name_; }

 private:
  JsonlEventReader(std::unique_ptr<std::ifstream> owned, std::istream* in,
                   std::string name);

  std::unique_ptr<std::ifstream> owned_;
  std::istream* in_;
  std::string name_;
  int64_t line_ = 0;
};

// Parses one event; the error is the parser's reason without a location
// (callers add file:line). Names the offending key for unknown fields.
// Common lines take a simdjson fast path (event_json_fast.h) that gives
// exactly what ParseEventJsonGeneral gives; everything else goes to it.
absl::StatusOr<riskflow::v1::Event> ParseEventJson(std::string_view json);

// ParseEventJson through protobuf's JSON parser only: the authority the
// fast path is tested against, and what it falls back to.
absl::StatusOr<riskflow::v1::Event> ParseEventJsonGeneral(
    std::string_view json);

// One line of JSON (no newline), proto field names, enums by name, so the
// output of tools can be grepped and fed to jq.
std::string DecisionToJson(const riskflow::v1::Decision& decision);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_JSONL_READER_H_
