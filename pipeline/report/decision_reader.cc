#include "pipeline/report/decision_reader.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "pipeline/report/input_file.h"

namespace riskflow::report {
namespace {

namespace pb = ::google::protobuf;

DecisionFormat FormatFromName(std::string_view path) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(path));
  absl::string_view base = absl::StripSuffix(lower, ".gz");
  for (const char* ext : {".jsonl", ".json", ".ndjson"}) {
    if (absl::EndsWith(base, ext)) return DecisionFormat::kJsonl;
  }
  for (const char* ext : {".pb", ".binpb", ".bin", ".ldpb"}) {
    if (absl::EndsWith(base, ext)) return DecisionFormat::kDelimitedProto;
  }
  return DecisionFormat::kAuto;
}

// A delimited Decision's second byte is the tag of its first field
// (decision_id: 0x0a); JSON has '"', whitespace or '}' after the '{'.
DecisionFormat FormatFromContent(const std::string& head) {
  if (head.empty()) return DecisionFormat::kJsonl;  // empty either way
  const char first = head[0];
  const char second = head.size() > 1 ? head[1] : '\0';
  if (first == '#') return DecisionFormat::kJsonl;
  if (first == '{' && second != '\x0a') return DecisionFormat::kJsonl;
  if (absl::ascii_isspace(static_cast<unsigned char>(first)) &&
      (second == '{' ||
       absl::ascii_isspace(static_cast<unsigned char>(second)))) {
    return DecisionFormat::kJsonl;
  }
  return DecisionFormat::kDelimitedProto;
}

std::string FirstLine(const std::string& message) {
  absl::string_view first(message);
  first = first.substr(0, first.find('\n'));
  first = absl::StripPrefix(first, ": ");
  return std::string(absl::StripAsciiWhitespace(first));
}

// Counts repeats; anything else Add() refuses is a broken record.
absl::Status AddOrCount(const riskflow::v1::Decision& decision,
                        DecisionSet* set, int64_t* duplicates) {
  absl::Status status = set->Add(decision);
  if (absl::IsAlreadyExists(status)) {
    ++*duplicates;
    return absl::OkStatus();
  }
  return status;
}

absl::Status ReadJsonl(InputFile* input, DecisionSet* set,
                       int64_t* duplicates) {
  pb::util::JsonParseOptions options;
  // Strict: an events file passed by mistake (or a misspelt enum such as
  // "FREEZ") must fail loudly, not load as decisions routed nowhere.
  options.ignore_unknown_fields = false;
  riskflow::v1::Decision decision;
  std::string line;
  int64_t line_number = 0;
  while (true) {
    absl::StatusOr<bool> more = input->ReadLine(&line);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
    ++line_number;
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    decision.Clear();
    pb::util::Status parsed = pb::util::JsonStringToMessage(
        pb::StringPiece(trimmed.data(), trimmed.size()), &decision, options);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          input->name(), ":", line_number,
          ": invalid decision: ", FirstLine(parsed.message().ToString())));
    }
    absl::Status added = AddOrCount(decision, set, duplicates);
    if (!added.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(input->name(), ":", line_number, ": ", added.message()));
    }
  }
}

absl::Status ReadDelimited(InputFile* input, DecisionSet* set,
                           int64_t* duplicates) {
  riskflow::v1::Decision decision;
  for (int64_t record = 1;; ++record) {
    bool clean_eof = false;
    decision.Clear();
    if (!pb::util::ParseDelimitedFromZeroCopyStream(&decision, input->stream(),
                                                    &clean_eof)) {
      if (clean_eof) return input->status();
      absl::Status read_status = input->status();
      if (!read_status.ok()) return read_status;
      return absl::InvalidArgumentError(absl::StrCat(
          input->name(), ": decision #", record,
          " is not a length-delimited riskflow.v1.Decision (truncated file, "
          "or not a protobuf file?)"));
    }
    absl::Status added = AddOrCount(decision, set, duplicates);
    if (!added.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          input->name(), ": decision #", record, ": ", added.message()));
    }
  }
}

}  // namespace

absl::StatusOr<DecisionFormat> ParseDecisionFormat(std::string_view text) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(text));
  if (lower == "auto") return DecisionFormat::kAuto;
  if (lower == "jsonl" || lower == "json") return DecisionFormat::kJsonl;
  if (lower == "proto" || lower == "pb") return DecisionFormat::kDelimitedProto;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown decision format \"", AsAbsl(text),
                   "\" (valid: auto, jsonl, proto)"));
}

absl::StatusOr<DecisionSet> LoadDecisions(const std::string& path,
                                          DecisionFormat format) {
  absl::StatusOr<std::unique_ptr<InputFile>> input = InputFile::Open(path);
  if (!input.ok()) return input.status();
  if (format == DecisionFormat::kAuto) format = FormatFromName(path);
  if (format == DecisionFormat::kAuto) {
    format = FormatFromContent((*input)->Peek(2));
  }
  DecisionSet set;
  set.set_source((*input)->name());
  int64_t duplicates = 0;
  absl::Status status = format == DecisionFormat::kJsonl
                            ? ReadJsonl(input->get(), &set, &duplicates)
                            : ReadDelimited(input->get(), &set, &duplicates);
  if (!status.ok()) return status;
  set.set_duplicates(duplicates);
  return set;
}

}  // namespace riskflow::report
