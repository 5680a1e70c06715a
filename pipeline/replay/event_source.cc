#include "pipeline/replay/event_source.h"

#include <atomic>
#include <istream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "pipeline/replay/csv_source.h"
#include "pipeline/replay/delimited.h"
#include "pipeline/replay/input_file.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::replay {
namespace {

std::optional<SourceProgress> FileProgress(const InputFile& file) {
  if (file.size_bytes() == 0) return std::nullopt;
  return SourceProgress{file.consumed_bytes(), file.size_bytes()};
}

// The existing JSONL reader over the (possibly inflating) file, so JSONL
// replay accepts exactly what `riskflow publish` accepts.
class JsonlSource : public EventSource {
 public:
  explicit JsonlSource(std::unique_ptr<InputFile> file)
      : file_(std::move(file)),
        stream_(file_.get()),
        reader_(JsonlEventReader::FromStream(&stream_, file_->name())) {}

  absl::StatusOr<bool> Next(riskflow::v1::Event* event) override {
    absl::StatusOr<bool> r = reader_->Next(event);
    // A corrupt .gz ends the stream early; say so rather than "end".
    if (!file_->status().ok()) return file_->status();
    return r;
  }
  std::string Position() const override {
    return absl::StrCat(file_->name(), ":", reader_->line());
  }
  std::optional<SourceProgress> Progress() const override {
    return FileProgress(*file_);
  }

 private:
  std::unique_ptr<InputFile> file_;
  std::istream stream_;
  std::unique_ptr<JsonlEventReader> reader_;
};

class ProtoSource : public EventSource {
 public:
  explicit ProtoSource(std::unique_ptr<InputFile> file)
      : file_(std::move(file)) {}

  absl::StatusOr<bool> Next(riskflow::v1::Event* event) override {
    record_start_ = offset_;
    ++record_;
    // Most records lie whole in the file's buffer: parsed in place, with no
    // copy. Anything else (a record across a buffer boundary, the end, a
    // bad length) takes the general path below, which reports it.
    if (std::optional<bool> parsed = ParseBuffered(event)) {
      if (*parsed) return true;
      return absl::InvalidArgumentError(
          absl::StrCat(Position(), ": not a valid riskflow.v1.Event"));
    }
    const DelimitedRead r = ReadDelimited(file_.get(), &bytes_, &offset_);
    if (!file_->status().ok()) return file_->status();
    switch (r) {
      case DelimitedRead::kEnd:
        --record_;
        return false;
      case DelimitedRead::kTruncated:
        return absl::DataLossError(
            absl::StrCat(Position(), ": truncated (the file ends inside "
                                     "this record)"));
      case DelimitedRead::kTooLarge:
        return absl::DataLossError(absl::StrCat(
            Position(), ": length prefix over ", kMaxDelimitedBytes,
            " bytes; not a length-delimited riskflow.v1.Event file?"));
      case DelimitedRead::kRecord:
        break;
    }
    if (!event->ParseFromString(bytes_)) {
      // The length was sound, so the next record starts cleanly.
      return absl::InvalidArgumentError(
          absl::StrCat(Position(), ": not a valid riskflow.v1.Event"));
    }
    return true;
  }
  std::string Position() const override {
    return absl::StrCat(file_->name(), ": record ", record_, " (byte ",
                        record_start_, ")");
  }
  std::optional<SourceProgress> Progress() const override {
    return FileProgress(*file_);
  }

 private:
  // Whether the next record, entirely in the buffer, parsed; nullopt (and
  // nothing consumed) when it is not entirely there.
  std::optional<bool> ParseBuffered(riskflow::v1::Event* event) {
    const std::string_view buf = file_->Buffered();
    uint64_t length = 0;
    size_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (header == buf.size() || shift >= 64) return std::nullopt;
      const uint8_t c = static_cast<uint8_t>(buf[header++]);
      length |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) break;
    }
    if (length > kMaxDelimitedBytes || buf.size() - header < length) {
      return std::nullopt;
    }
    const bool ok =
        event->ParseFromArray(buf.data() + header, static_cast<int>(length));
    file_->Skip(header + length);
    offset_ += header + length;
    return ok;
  }

  std::unique_ptr<InputFile> file_;
  std::string bytes_;
  uint64_t offset_ = 0;
  uint64_t record_start_ = 0;
  int64_t record_ = 0;
};

}  // namespace

absl::StatusOr<FileFormat> ParseFileFormat(const std::string& text) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "jsonl" || t == "json") return FileFormat::kJsonl;
  if (t == "csv") return FileFormat::kCsv;
  if (t == "proto" || t == "pb") return FileFormat::kProto;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown input format \"", text, "\" (expected jsonl, csv or proto)"));
}

std::optional<FileFormat> FormatFromName(const std::string& path) {
  absl::string_view name = path;
  absl::ConsumeSuffix(&name, ".gz");
  const std::string lower = absl::AsciiStrToLower(name);
  for (const char* s : {".jsonl", ".json", ".ndjson"}) {
    if (absl::EndsWith(lower, s)) return FileFormat::kJsonl;
  }
  if (absl::EndsWith(lower, ".csv")) return FileFormat::kCsv;
  for (const char* s : {".pb", ".binpb", ".bin", ".protodelim"}) {
    if (absl::EndsWith(lower, s)) return FileFormat::kProto;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<EventSource>> OpenFileSource(
    const FileSourceOptions& options) {
  std::optional<FileFormat> format = options.format;
  if (!format.has_value()) format = FormatFromName(options.path);
  if (!format.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot tell the format of ", options.path,
        " from its name; pass --format jsonl|csv|proto"));
  }
  if (!options.csv_map.empty() && *format != FileFormat::kCsv) {
    return absl::InvalidArgumentError(
        "--csv_map applies to CSV input only (add --format csv?)");
  }
  absl::StatusOr<std::unique_ptr<InputFile>> file =
      InputFile::Open(options.path);
  if (!file.ok()) return file.status();
  switch (*format) {
    case FileFormat::kJsonl:
      return std::unique_ptr<EventSource>(
          std::make_unique<JsonlSource>(*std::move(file)));
    case FileFormat::kCsv:
      return OpenCsvSource(*std::move(file), options.csv_map);
    case FileFormat::kProto:
      return std::unique_ptr<EventSource>(
          std::make_unique<ProtoSource>(*std::move(file)));
  }
  return absl::InternalError("unhandled input format");
}

}  // namespace riskflow::replay
