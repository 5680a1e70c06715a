// The HTML report's sections (internal to RenderHtml), split by topic so
// each file stays small.
#ifndef RISKFLOW_PIPELINE_REPORT_HTML_SECTIONS_H_
#define RISKFLOW_PIPELINE_REPORT_HTML_SECTIONS_H_

#include <string>

#include "pipeline/report/report.h"

namespace riskflow::report::html {

// <td>/<th> helpers; text is escaped.
std::string Cell(const std::string& text, bool numeric = false);
std::string Header(const std::string& text);

// Champion vs challenger changes: counts, route transitions, the first
// max_listed changed decisions with both sides' reasons, one-sided ids.
std::string DiffSection(const ReportInput& input);

// Precision / recall / F1 tables and the missed / wrong lists, per side.
std::string LabelsSection(const ReportInput& input);

}  // namespace riskflow::report::html

#endif  // RISKFLOW_PIPELINE_REPORT_HTML_SECTIONS_H_
