#include "pipeline/replay/jsonl_reader.h"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "pipeline/replay/event_json_fast.h"

namespace riskflow::replay {
namespace {

namespace pb = ::google::protobuf;

// The JSON parser's messages may span lines (a context excerpt and a caret);
// a CLI error must stay on one line, so keep only the first.
std::string FirstLine(const std::string& message) {
  absl::string_view first(message);
  first = first.substr(0, first.find('\n'));
  // Some messages start with an empty location (": Root element ...").
  first = absl::StripPrefix(first, ": ");
  return std::string(absl::StripAsciiWhitespace(first));
}

bool HasField(const pb::Descriptor& descriptor, const std::string& key) {
  if (descriptor.FindFieldByName(key) != nullptr) return true;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    if (descriptor.field(i)->json_name() == key) return true;
  }
  return false;
}

// Offset of the first `"key"` written as a key (a ':' follows), or npos
// when the key is written with escapes.
size_t KeyOffset(std::string_view json, const std::string& key) {
  const std::string quoted = absl::StrCat("\"", key, "\"");
  for (size_t at = json.find(quoted); at != std::string_view::npos;
       at = json.find(quoted, at + 1)) {
    size_t after = at + quoted.size();
    while (after < json.size() && absl::ascii_isspace(json[after])) ++after;
    if (after < json.size() && json[after] == ':') return at;
  }
  return std::string_view::npos;
}

// Protobuf 3.21 reports an unknown key without naming it, so look for the
// first top-level key that is neither a proto nor a JSON field name. "First"
// in the line: Struct's map iterates in a per-process random order, and the
// message for a line must not change from run to run. The key may be ""
// itself (found by //fuzz:event_json_fuzzer: "" as the "nothing found yet"
// mark made the answer depend on that random order), hence the optional.
std::optional<std::string> FindUnknownKey(std::string_view json,
                                          const pb::Descriptor& descriptor) {
  pb::Struct object;
  if (!pb::util::JsonStringToMessage(std::string(json), &object).ok()) {
    return std::nullopt;
  }
  std::optional<std::string> first;
  size_t first_offset = std::string_view::npos;
  for (const auto& [key, value] : object.fields()) {
    if (HasField(descriptor, key)) continue;
    const size_t offset = KeyOffset(json, key);
    if (!first.has_value() || offset < first_offset ||
        (offset == first_offset && key < *first)) {
      first = key;
      first_offset = offset;
    }
  }
  return first;
}

}  // namespace

JsonlEventReader::JsonlEventReader(std::unique_ptr<std::ifstream> owned,
                                   std::istream* in, std::string name)
    : owned_(std::move(owned)), in_(in), name_(std::move(name)) {}

absl::StatusOr<std::unique_ptr<JsonlEventReader>> JsonlEventReader::Open(
    const std::string& path) {
  if (path == "-") return FromStream(&std::cin, "<stdin>");
  auto file = std::make_unique<std::ifstream>(path);
  if (!file->is_open()) {
    const int err = errno;
    std::string reason = err != 0 ? std::strerror(err) : "unknown error";
    std::string message = absl::StrCat("cannot open ", path, ": ", reason);
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  std::istream* in = file.get();
  return std::unique_ptr<JsonlEventReader>(
      new JsonlEventReader(std::move(file), in, path));
}

std::unique_ptr<JsonlEventReader> JsonlEventReader::FromStream(
    std::istream* in, std::string name) {
  return std::unique_ptr<JsonlEventReader>(
      new JsonlEventReader(nullptr, in, std::move(name)));
}

absl::StatusOr<bool> JsonlEventReader::Next(riskflow::v1::Event* event) {
  std::string text;
  while (std::getline(*in_, text)) {
    ++line_;
    // Editors on some systems start UTF-8 files with a byte order mark.
    if (line_ == 1 && absl::StartsWith(text, "\xEF\xBB\xBF")) {
      text.erase(0, 3);
    }
    absl::string_view trimmed = absl::StripAsciiWhitespace(text);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    absl::StatusOr<riskflow::v1::Event> parsed =
        ParseEventJson(std::string_view(trimmed.data(), trimmed.size()));
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name_, ":", line_, ": invalid JSON: ", parsed.status().message()));
    }
    *event = *std::move(parsed);
    return true;
  }
  // getline sets failbit at a clean end of input; badbit means the read
  // itself failed (e.g. EIO), which must not pass for a short file.
  if (in_->bad()) {
    return absl::DataLossError(
        absl::StrCat(name_, ":", line_ + 1, ": read error"));
  }
  return false;
}

absl::StatusOr<riskflow::v1::Event> ParseEventJson(std::string_view json) {
  riskflow::v1::Event event;
  if (TryParseEventJsonFast(json, &event)) return event;
  return ParseEventJsonGeneral(json);
}

absl::StatusOr<riskflow::v1::Event> ParseEventJsonGeneral(
    std::string_view json) {
  riskflow::v1::Event event;
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  options.case_insensitive_enum_parsing = false;
  pb::util::Status status =
      pb::util::JsonStringToMessage(std::string(json), &event, options);
  if (status.ok()) return event;
  std::optional<std::string> unknown =
      FindUnknownKey(json, *event.GetDescriptor());
  if (unknown.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown field \"", *unknown, "\""));
  }
  return absl::InvalidArgumentError(FirstLine(status.message().ToString()));
}

std::string DecisionToJson(const riskflow::v1::Decision& decision) {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing cannot fail for a message without Any fields.
  (void)pb::util::MessageToJsonString(decision, &out, options);
  return out;
}

}  // namespace riskflow::replay
