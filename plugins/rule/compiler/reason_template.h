#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_REASON_TEMPLATE_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_REASON_TEMPLATE_H_

// A rule's `reason:` text: a quoted or bare template whose `{...}`
// placeholders are expressions over the rule set's aggregates ("{{" and
// "}}" are literal braces). Split from the rule-set parser (rule_set.cc).

#include <cstddef>
#include <vector>

#include "plugins/rule/compiler/compile.h"
#include "plugins/rule/compiler/diagnostics.h"
#include "plugins/rule/compiler/rule_set.h"

namespace riskflow {
namespace rule {

// Compiles source.text()[begin, end) into literal and expression parts
// appended to *out; false with *error (offset in the rule-set text) on a
// bad template or placeholder, bounded by kMaxReasonBytes and
// kMaxReasonPlaceholders.
bool CompileReason(const SourceText& source, size_t begin, size_t end,
                   const std::vector<AggregateInfo>& infos,
                   std::vector<ReasonPart>* out, CompileError* error);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_REASON_TEMPLATE_H_
