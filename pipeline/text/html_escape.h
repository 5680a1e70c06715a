#ifndef RISKFLOW_PIPELINE_TEXT_HTML_ESCAPE_H_
#define RISKFLOW_PIPELINE_TEXT_HTML_ESCAPE_H_

#include <string>
#include <string_view>

namespace riskflow::text {

// Escapes &, <, >, " and ' so data (ids, detector names, notes) cannot
// break out of HTML text or attribute values. Shared by the replay report
// and the case service's printable evidence page.
std::string HtmlEscape(std::string_view text);

}  // namespace riskflow::text

#endif  // RISKFLOW_PIPELINE_TEXT_HTML_ESCAPE_H_
