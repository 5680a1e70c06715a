// The evidence bundle as a printable, self-contained HTML page (no scripts,
// no external resources): what an analyst attaches to a report or prints
// for a dispute. It shows the same SHA-256 as the JSON export, which is
// the document of record; the page is a rendering of it.
#ifndef RISKFLOW_PIPELINE_CASES_EVIDENCE_HTML_H_
#define RISKFLOW_PIPELINE_CASES_EVIDENCE_HTML_H_

#include <string>
#include <vector>

#include "pipeline/cases/case_store.h"

#include "pipeline/text/html_escape.h"

namespace riskflow::cases {

std::string RenderEvidenceHtml(const Case& c,
                               const std::vector<AttachedDecision>& decisions,
                               const std::vector<CaseAction>& history,
                               const std::string& evidence_sha256,
                               const std::vector<CaseStore::RecentEventsSnapshot>&
                                   recent_events = {});

// &, <, >, " and ' escaped (one implementation for every HTML page).
using text::HtmlEscape;

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_EVIDENCE_HTML_H_
