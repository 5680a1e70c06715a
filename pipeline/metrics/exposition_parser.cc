#include "pipeline/metrics/exposition_parser.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "pipeline/metrics/exposition.h"

namespace riskflow::metrics {
namespace {

absl::Status LineError(int line, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("exposition line ", line, ": ", std::string(what)));
}

bool ParseValue(absl::string_view s, double* v) {
  if (s == "+Inf") {
    *v = HUGE_VAL;
    return true;
  }
  if (s == "-Inf") {
    *v = -HUGE_VAL;
    return true;
  }
  if (s == "NaN") {
    *v = 0;
    return true;
  }
  return absl::SimpleAtod(s, v);
}

}  // namespace

double ParsedExposition::Sum(
    std::string_view name,
    const std::map<std::string, std::string>& match) const {
  double sum = 0;
  bool found = false;
  for (const ParsedSample& s : samples) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) ok = false;
    }
    if (!ok) continue;
    found = true;
    sum += s.value;
  }
  return found ? sum : -1;
}

absl::StatusOr<ParsedExposition> ParseExposition(std::string_view input) {
  const absl::string_view text(input.data(), input.size());
  ParsedExposition out;
  if (!text.empty() && text.back() != '\n') {
    return absl::InvalidArgumentError("exposition does not end in a newline");
  }
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::vector<absl::string_view> parts =
          absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (parts.size() >= 3 && (parts[1] == "HELP" || parts[1] == "TYPE")) {
        if (!IsValidMetricName(std::string(parts[2]))) {
          return LineError(n, "bad metric name in comment");
        }
        if (parts[1] == "TYPE") {
          if (parts.size() != 4) return LineError(n, "TYPE without a type");
          out.types[std::string(parts[2])] = std::string(parts[3]);
        }
      }
      continue;
    }
    ParsedSample sample;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    sample.name = std::string(line.substr(0, i));
    if (!IsValidMetricName(sample.name)) {
      return LineError(n, absl::StrCat("bad metric name '", sample.name, "'"));
    }
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == absl::string_view::npos) return LineError(n, "label without =");
        std::string key(line.substr(i, eq - i));
        if (!IsValidLabelName(key)) {
          return LineError(n, absl::StrCat("bad label name '", key, "'"));
        }
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') {
          return LineError(n, "label value not quoted");
        }
        ++i;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) return LineError(n, "dangling backslash");
            char e = line[i++];
            if (e == 'n') {
              value.push_back('\n');
            } else if (e == '\\' || e == '"') {
              value.push_back(e);
            } else {
              return LineError(n, "unknown escape in label value");
            }
          } else {
            value.push_back(c);
          }
        }
        if (!closed) return LineError(n, "unterminated label value");
        if (!sample.labels.emplace(key, value).second) {
          return LineError(n, absl::StrCat("label '", key, "' repeated"));
        }
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return LineError(n, "labels not closed");
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      return LineError(n, "no space before the value");
    }
    std::vector<absl::string_view> rest =
        absl::StrSplit(line.substr(i + 1), ' ');
    if (rest.empty() || rest.size() > 2) return LineError(n, "bad value part");
    if (!ParseValue(rest[0], &sample.value)) {
      return LineError(n, absl::StrCat("bad value '", std::string(rest[0]), "'"));
    }
    out.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace riskflow::metrics
