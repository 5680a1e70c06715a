#ifndef RISKFLOW_PIPELINE_METRICS_EXPOSITION_PARSER_H_
#define RISKFLOW_PIPELINE_METRICS_EXPOSITION_PARSER_H_

// A strict reader of the text exposition, for tests: every line must be a
// comment (# HELP / # TYPE / other #) or `name{labels} value`. It is the
// check that what riskflowd serves parses, and a way to find a sample.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace riskflow::metrics {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct ParsedExposition {
  std::vector<ParsedSample> samples;
  std::map<std::string, std::string> types;  // family name -> type

  // The sum of the samples with this name whose labels include `match`
  // (all of them for an empty match); -1 if there is none.
  double Sum(std::string_view name,
             const std::map<std::string, std::string>& match = {}) const;
};

// Fails with the line number and what is wrong.
absl::StatusOr<ParsedExposition> ParseExposition(std::string_view text);

}  // namespace riskflow::metrics

#endif  // RISKFLOW_PIPELINE_METRICS_EXPOSITION_PARSER_H_
