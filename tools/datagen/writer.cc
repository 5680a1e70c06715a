#include "tools/datagen/writer.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace riskflow::datagen {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

void AppendString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// Shortest "%.Ng" that reads back as the same double.
void AppendDouble(std::string* out, double v) {
  char buf[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  out->append(buf);
}

class Fields {
 public:
  explicit Fields(std::string* out) : out_(out) { out_->push_back('{'); }
  ~Fields() { out_->push_back('}'); }
  void Str(const char* key, const std::string& v) {
    if (v.empty()) return;
    Key(key);
    AppendString(out_, v);
  }
  void Int(const char* key, int64_t v) {
    if (v == 0) return;
    Key(key);
    absl::StrAppend(out_, v);
  }
  void Double(const char* key, double v) {
    if (v == 0) return;
    Key(key);
    AppendDouble(out_, v);
  }
  void Key(const char* key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendString(out_, key);
    out_->push_back(':');
  }

 private:
  std::string* out_;
  bool first_ = true;
};

}  // namespace

std::string EventToJson(const riskflow::v1::Event& e) {
  std::string out;
  out.reserve(256);
  {
    Fields f(&out);
    f.Str("event_id", e.event_id());
    f.Str("channel_id", e.channel_id());
    if (e.type() != riskflow::v1::EVENT_TYPE_UNSPECIFIED) {
      f.Str("type", riskflow::v1::EventType_Name(e.type()));
    }
    f.Int("event_time_ms", e.event_time_ms());
    f.Str("account_id", e.account_id());
    f.Str("counterparty", e.counterparty());
    f.Int("amount_minor", e.amount_minor());
    f.Str("currency", e.currency());
    f.Int("source_amount_minor", e.source_amount_minor());
    f.Str("source_currency", e.source_currency());
    f.Double("fx_rate", e.fx_rate());
    f.Str("country", e.country());
    f.Str("counterparty_country", e.counterparty_country());
    f.Double("latitude", e.latitude());
    f.Double("longitude", e.longitude());
    f.Str("ip", e.ip());
    f.Str("device_id", e.device_id());
    if (!e.attributes().empty()) {
      // Sorted: protobuf map iteration order is unspecified.
      std::vector<std::pair<std::string, std::string>> attrs(
          e.attributes().begin(), e.attributes().end());
      std::sort(attrs.begin(), attrs.end());
      f.Key("attributes");
      Fields a(&out);
      for (const auto& [k, v] : attrs) a.Str(k.c_str(), v);
    }
  }
  return out;
}

absl::StatusOr<Format> ParseFormat(const std::string& name,
                                   const std::string& path) {
  if (name == "jsonl" || name == "json") return Format::kJsonl;
  if (name == "proto" || name == "pb") return Format::kProto;
  if (!name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: expected jsonl or proto, got '", name, "'"));
  }
  std::string p = path;
  if (absl::EndsWith(p, ".gz")) p.resize(p.size() - 3);
  return absl::EndsWith(p, ".pb") || absl::EndsWith(p, ".proto") ||
                 absl::EndsWith(p, ".bin")
             ? Format::kProto
             : Format::kJsonl;
}

absl::StatusOr<std::unique_ptr<EventWriter>> EventWriter::Open(
    const std::string& path, Format format) {
  std::unique_ptr<EventWriter> w(new EventWriter(path, format));
  if (path == "-") {
    w->file_ = stdout;
  } else if (absl::EndsWith(path, ".gz")) {
    // "wb6": zlib's default level; gzopen writes mtime 0, so the bytes do
    // not depend on when the file was made.
    gzFile gz = gzopen(path.c_str(), "wb6");
    if (gz == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
    }
    gzbuffer(gz, 1 << 18);
    w->gz_ = gz;
  } else {
    w->file_ = std::fopen(path.c_str(), "wb");
    if (w->file_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
    }
    w->owns_file_ = true;
  }
  return w;
}

EventWriter::~EventWriter() { (void)Close(); }

absl::Status EventWriter::Write(const riskflow::v1::Event& event) {
  if (!status_.ok()) return status_;
  if (format_ == Format::kJsonl) {
    buffer_ += EventToJson(event);
    buffer_.push_back('\n');
  } else {
    // Into a small scratch string: a StringOutputStream over the large
    // flush buffer would resize (and zero) all of it for every record.
    scratch_.clear();
    {
      google::protobuf::io::StringOutputStream stream(&scratch_);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.SetSerializationDeterministic(true);  // sorted map entries
      coded.WriteVarint32(static_cast<uint32_t>(event.ByteSizeLong()));
      event.SerializeWithCachedSizes(&coded);
    }
    buffer_ += scratch_;
  }
  if (buffer_.size() >= kFlushBytes) {
    status_ = WriteBytes(buffer_);
    buffer_.clear();
  }
  return status_;
}

absl::Status EventWriter::WriteBytes(const std::string& bytes) {
  if (bytes.empty()) return absl::OkStatus();
  if (gz_ != nullptr) {
    const int n = gzwrite(static_cast<gzFile>(gz_), bytes.data(),
                          static_cast<unsigned>(bytes.size()));
    if (n != static_cast<int>(bytes.size())) {
      return absl::DataLossError(absl::StrCat("write to ", path_, " failed"));
    }
  } else if (std::fwrite(bytes.data(), 1, bytes.size(), file_) !=
             bytes.size()) {
    return absl::DataLossError(
        absl::StrCat("write to ", path_, " failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status EventWriter::Close() {
  if (gz_ == nullptr && file_ == nullptr) return status_;
  if (status_.ok()) status_ = WriteBytes(buffer_);
  buffer_.clear();
  if (gz_ != nullptr) {
    if (gzclose(static_cast<gzFile>(gz_)) != Z_OK && status_.ok()) {
      status_ = absl::DataLossError(absl::StrCat("closing ", path_, " failed"));
    }
    gz_ = nullptr;
  } else {
    const bool failed =
        owns_file_ ? std::fclose(file_) != 0 : std::fflush(file_) != 0;
    if (failed && status_.ok()) {
      status_ = absl::DataLossError(
          absl::StrCat("closing ", path_, " failed: ", std::strerror(errno)));
    }
    file_ = nullptr;
  }
  return status_;
}

}  // namespace riskflow::datagen
