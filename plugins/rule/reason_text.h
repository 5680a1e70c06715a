// reason_text.h — turns placeholder values into reason text the host
// accepts: valid UTF-8 without control characters, bounded in length.
// Event strings are validated at ingest, but a plugin checks what it hands
// back rather than trusting it (docs/plugin-output-and-guard-rails.md).
#ifndef RISKFLOW_PLUGINS_RULE_REASON_TEXT_H_
#define RISKFLOW_PLUGINS_RULE_REASON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace riskflow {
namespace rule {

// Appends `in` to *out, replacing invalid UTF-8 and control bytes with '?',
// and stopping (at a character boundary) before *out exceeds max_bytes.
void AppendClean(std::string_view in, size_t max_bytes, std::string* out);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_REASON_TEXT_H_
