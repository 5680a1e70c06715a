#include "pipeline/replay/csv_source.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace riskflow::replay {
namespace {

namespace pb = ::google::protobuf;
using Traits = std::streambuf::traits_type;

constexpr char kAttributesPrefix[] = "attributes.";

// The event field a mapping entry fills: a singular scalar field, or one
// key of the attributes map (field == nullptr).
struct Target {
  const pb::FieldDescriptor* field = nullptr;
  std::string attribute;
  std::string name;  // as the user wrote it, for messages
  size_t column = 0;
};

absl::StatusOr<Target> ResolveField(const std::string& name) {
  Target target;
  target.name = name;
  if (absl::StartsWith(name, kAttributesPrefix)) {
    target.attribute = name.substr(sizeof(kAttributesPrefix) - 1);
    if (target.attribute.empty()) {
      return absl::InvalidArgumentError(
          "--csv_map: \"attributes.\" needs a key (attributes.label=column)");
    }
    return target;
  }
  const pb::FieldDescriptor* f =
      riskflow::v1::Event::descriptor()->FindFieldByName(name);
  if (f == nullptr || f->is_repeated() ||
      f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--csv_map: unknown event field \"", name,
        "\" (use a riskflow.v1.Event field name such as amount_minor, or "
        "attributes.KEY)"));
  }
  target.field = f;
  return target;
}

// Protobuf refuses events whose strings are not UTF-8 when they arrive
// over gRPC or as protobuf files; a CSV cell must not slip past that.
bool ValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3
                             : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (int k = 1; k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += n;
  }
  return true;
}

absl::Status SetValue(const Target& target, absl::string_view cell,
                      riskflow::v1::Event* event) {
  if (cell.empty()) return absl::OkStatus();
  if (!ValidUtf8(cell)) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.name, ": not valid UTF-8"));
  }
  if (target.field == nullptr) {
    (*event->mutable_attributes())[target.attribute] = std::string(cell);
    return absl::OkStatus();
  }
  const pb::Reflection* r = event->GetReflection();
  const pb::FieldDescriptor* f = target.field;
  absl::string_view v = absl::StripAsciiWhitespace(cell);
  auto bad = [&](const char* what) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.name, ": ", what, ", got \"", cell, "\""));
  };
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      r->SetString(event, f, std::string(cell));
      return absl::OkStatus();
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t x;
      if (!absl::SimpleAtoi(v, &x)) return bad("not an integer");
      r->SetInt64(event, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t x;
      if (!absl::SimpleAtoi(v, &x)) return bad("not an integer");
      r->SetInt32(event, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x;
      if (!absl::SimpleAtoi(v, &x)) return bad("not an unsigned integer");
      r->SetUInt64(event, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x;
      if (!absl::SimpleAtoi(v, &x)) return bad("not an unsigned integer");
      r->SetUInt32(event, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double x;
      if (!absl::SimpleAtod(v, &x)) return bad("not a number");
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
        r->SetDouble(event, f, x);
      } else {
        r->SetFloat(event, f, static_cast<float>(x));
      }
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool x;
      if (!absl::SimpleAtob(v, &x)) return bad("not true or false");
      r->SetBool(event, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e =
          f->enum_type()->FindValueByName(absl::AsciiStrToUpper(v));
      if (e == nullptr) return bad("not a value name");
      r->SetEnum(event, f, e);
      return absl::OkStatus();
    }
    default:
      return bad("cannot be set from CSV");
  }
}

class CsvSource : public EventSource {
 public:
  explicit CsvSource(std::unique_ptr<InputFile> file)
      : file_(std::move(file)) {}

  absl::Status Init(const std::string& csv_map);
  absl::StatusOr<bool> Next(riskflow::v1::Event* event) override;
  std::string Position() const override {
    return absl::StrCat(file_->name(), ":", record_line_);
  }
  std::optional<SourceProgress> Progress() const override {
    if (file_->size_bytes() == 0) return std::nullopt;
    return SourceProgress{file_->consumed_bytes(), file_->size_bytes()};
  }

 private:
  // Ok(false) at the end of input; a quote left open at the end of the
  // file is DataLoss (the rest of the file would be one field).
  absl::StatusOr<bool> ReadRecord();

  std::unique_ptr<InputFile> file_;
  std::vector<std::string> fields_;
  std::vector<Target> targets_;
  size_t header_size_ = 0;
  int64_t line_ = 1;         // physical line the reader is on
  int64_t record_line_ = 0;  // line the last record started on
};

absl::StatusOr<bool> CsvSource::ReadRecord() {
  fields_.clear();
  std::streambuf* in = file_.get();
  int c = in->sbumpc();
  if (c == Traits::eof()) return false;
  record_line_ = line_;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted
  while (true) {
    if (quoted) {
      if (c == Traits::eof()) {
        return absl::DataLossError(
            absl::StrCat(file_->name(), ":", record_line_,
                         ": a quoted field is never closed"));
      }
      if (c == '"') {
        if (in->sgetc() == '"') {
          in->sbumpc();
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      c = in->sbumpc();
      continue;
    }
    if (c == ',' || c == '\n' || c == '\r' || c == Traits::eof()) {
      fields_.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      if (c == ',') {
        c = in->sbumpc();
        continue;
      }
      if (c == '\r' && in->sgetc() == '\n') in->sbumpc();
      if (c != Traits::eof()) ++line_;
      return true;
    }
    if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (was_quoted) {
      // Skip the rest of the line so the next record starts clean.
      while (c != '\n' && c != Traits::eof()) c = in->sbumpc();
      if (c == '\n') ++line_;
      return absl::InvalidArgumentError(absl::StrCat(
          file_->name(), ":", record_line_,
          ": text after a closing quote (a quote inside a field is "
          "written \"\")"));
    } else {
      field.push_back(static_cast<char>(c));
    }
    c = in->sbumpc();
  }
}

absl::Status CsvSource::Init(const std::string& csv_map) {
  absl::StatusOr<bool> header = ReadRecord();
  if (!header.ok()) return header.status();
  if (!*header) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_->name(), ": empty file; a CSV input needs a header row"));
  }
  std::vector<std::string> names = fields_;
  // Spreadsheets often start UTF-8 files with a byte-order mark.
  if (absl::StartsWith(names[0], "\xEF\xBB\xBF")) names[0].erase(0, 3);
  header_size_ = names.size();
  auto column_of = [&](const std::string& column) -> int {
    for (size_t i = 0; i < names.size(); ++i) {
      if (absl::StripAsciiWhitespace(names[i]) == column) return int(i);
    }
    return -1;
  };
  std::vector<CsvColumn> mapping;
  if (csv_map.empty()) {
    for (const std::string& name : names) {
      std::string field(absl::StripAsciiWhitespace(name));
      absl::StatusOr<Target> t = ResolveField(field);
      if (!t.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            file_->name(), ": header column \"", field,
            "\" is not an event field; name the columns with --csv_map "
            "event_field=column,..."));
      }
      mapping.push_back({field, field});
    }
  } else {
    absl::StatusOr<std::vector<CsvColumn>> parsed = ParseCsvMap(csv_map);
    if (!parsed.ok()) return parsed.status();
    mapping = *std::move(parsed);
  }
  for (const CsvColumn& m : mapping) {
    absl::StatusOr<Target> t = ResolveField(m.field);
    if (!t.ok()) return t.status();
    const int column = column_of(m.column);
    if (column < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--csv_map: column \"", m.column, "\" (for ", m.field,
          ") is not in the header of ", file_->name(), " (columns: ",
          absl::StrJoin(names, ", "), ")"));
    }
    t->column = static_cast<size_t>(column);
    targets_.push_back(*std::move(t));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CsvSource::Next(riskflow::v1::Event* event) {
  while (true) {
    absl::StatusOr<bool> more = ReadRecord();
    if (!file_->status().ok()) return file_->status();
    if (!more.ok() || !*more) return more;
    // A blank line is one empty field: skip it, as the JSONL reader does.
    if (fields_.size() == 1 && fields_[0].empty() && header_size_ != 1) {
      continue;
    }
    if (fields_.size() != header_size_) {
      return absl::InvalidArgumentError(
          absl::StrCat(Position(), ": ", fields_.size(),
                       " fields, but the header has ", header_size_));
    }
    event->Clear();
    for (const Target& t : targets_) {
      if (auto s = SetValue(t, fields_[t.column], event); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(Position(), ": ", s.message()));
      }
    }
    return true;
  }
}

}  // namespace

absl::StatusOr<std::vector<CsvColumn>> ParseCsvMap(const std::string& text) {
  std::vector<CsvColumn> out;
  absl::flat_hash_set<std::string> seen;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    std::string field(absl::StripAsciiWhitespace(kv.first));
    std::string column(absl::StripAsciiWhitespace(kv.second));
    if (field.empty() || column.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--csv_map: \"", entry,
                       "\" is not event_field=column"));
    }
    if (auto t = ResolveField(field); !t.ok()) return t.status();
    if (!seen.insert(field).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--csv_map: ", field, " is mapped twice"));
    }
    out.push_back({std::move(field), std::move(column)});
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "--csv_map: empty; write event_field=column,...");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<EventSource>> OpenCsvSource(
    std::unique_ptr<InputFile> file, const std::string& csv_map) {
  auto source = std::make_unique<CsvSource>(std::move(file));
  if (auto s = source->Init(csv_map); !s.ok()) return s;
  return std::unique_ptr<EventSource>(std::move(source));
}

}  // namespace riskflow::replay
