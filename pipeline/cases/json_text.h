// JSON string quoting for the documents the case service writes by hand
// (the evidence bundle, notifications, labels), so their bytes are fixed
// by the code, not by a library's formatting choices.
#ifndef RISKFLOW_PIPELINE_CASES_JSON_TEXT_H_
#define RISKFLOW_PIPELINE_CASES_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace riskflow::cases {

// A JSON string literal with its quotes; control characters escaped.
std::string JsonString(std::string_view text);

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_JSON_TEXT_H_
