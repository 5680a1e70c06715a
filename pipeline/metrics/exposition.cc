#include "pipeline/metrics/exposition.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace riskflow::metrics {
namespace {

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok =
        absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

void TextWriter::Family(std::string_view name, std::string_view help,
                        std::string_view type) {
  absl::StrAppend(&out_, "# HELP ", std::string(name), " ",
                  EscapeHelp(help), "\n# TYPE ", std::string(name), " ",
                  std::string(type), "\n");
}

void TextWriter::AppendSeries(std::string_view name, const Labels& labels,
                              std::string_view extra_label,
                              std::string_view extra_value) {
  out_.append(name.data(), name.size());
  if (labels.empty() && extra_label.empty()) return;
  out_.push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out_.push_back(',');
    first = false;
    absl::StrAppend(&out_, k, "=\"", EscapeLabelValue(v), "\"");
  }
  if (!extra_label.empty()) {
    if (!first) out_.push_back(',');
    absl::StrAppend(&out_, std::string(extra_label), "=\"",
                    EscapeLabelValue(extra_value), "\"");
  }
  out_.push_back('}');
}

void TextWriter::Sample(std::string_view name, const Labels& labels,
                        double value) {
  AppendSeries(name, labels);
  absl::StrAppend(&out_, " ", FormatDouble(value), "\n");
}

void TextWriter::Sample(std::string_view name, const Labels& labels,
                        uint64_t value) {
  AppendSeries(name, labels);
  absl::StrAppend(&out_, " ", value, "\n");
}

void TextWriter::Sample(std::string_view name, const Labels& labels,
                        int64_t value) {
  AppendSeries(name, labels);
  absl::StrAppend(&out_, " ", value, "\n");
}

void TextWriter::HistogramSamples(std::string_view name, const Labels& labels,
                                  const Histogram::Snapshot& snap) {
  const std::string bucket = absl::StrCat(std::string(name), "_bucket");
  uint64_t cumulative = 0;
  for (size_t b = 0; b < snap.counts.size(); ++b) {
    cumulative += snap.counts[b];
    const std::string le =
        b < snap.bounds.size() ? absl::StrCat(snap.bounds[b]) : "+Inf";
    AppendSeries(bucket, labels, "le", le);
    absl::StrAppend(&out_, " ", cumulative, "\n");
  }
  AppendSeries(absl::StrCat(std::string(name), "_sum"), labels);
  absl::StrAppend(&out_, " ", snap.sum, "\n");
  AppendSeries(absl::StrCat(std::string(name), "_count"), labels);
  absl::StrAppend(&out_, " ", snap.count, "\n");
}

}  // namespace riskflow::metrics
