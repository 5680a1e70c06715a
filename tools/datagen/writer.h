// Output files for generated streams: JSONL (one event per line, the
// protobuf JSON mapping that pipeline/replay's JsonlEventReader and the
// `riskflow publish` / `replay` commands read) or length-delimited protobuf
// (varint length + bytes, as pipeline/replay/delimited.h), each optionally
// gzip'd. Both are byte-deterministic: same events, same bytes.
#ifndef RISKFLOW_TOOLS_DATAGEN_WRITER_H_
#define RISKFLOW_TOOLS_DATAGEN_WRITER_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::datagen {

enum class Format { kJsonl, kProto };

// One JSON object, no newline. Fields in proto order, defaults omitted,
// snake_case names, enum names, int64 as JSON numbers (as in
// tests/scenarios), doubles in shortest round-trip form, attributes sorted.
// Hand-written rather than MessageToJsonString: ~10x faster, which matters
// at 10M events, and its bytes do not depend on the protobuf version.
std::string EventToJson(const riskflow::v1::Event& event);

// "jsonl" or "proto"; from the path when `name` is empty (.pb / .pb.gz /
// .proto... are proto, everything else JSONL).
absl::StatusOr<Format> ParseFormat(const std::string& name,
                                   const std::string& path);

class EventWriter {
 public:
  // "-" is standard output (never compressed). A path ending in ".gz" is
  // gzip'd.
  static absl::StatusOr<std::unique_ptr<EventWriter>> Open(
      const std::string& path, Format format);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  absl::Status Write(const riskflow::v1::Event& event);
  // Flushes and closes; the first error of any write or of the close.
  absl::Status Close();

 private:
  EventWriter(std::string path, Format format) : path_(path), format_(format) {}
  absl::Status WriteBytes(const std::string& bytes);

  std::string path_;
  Format format_;
  std::FILE* file_ = nullptr;
  void* gz_ = nullptr;  // gzFile, kept out of the header
  bool owns_file_ = false;
  std::string buffer_;
  std::string scratch_;  // one proto record
  absl::Status status_;
};

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_WRITER_H_
