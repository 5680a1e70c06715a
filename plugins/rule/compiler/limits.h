// limits.h — every bound the rule language enforces, in one place so the
// documentation (docs/rules.md, "Bounds") and the tests name the same
// numbers. Load-time bounds refuse the rule set; the step budget is the
// only run-time one (a program has no loops, so it can only be hit by a
// budget configured below a program's length — it is a second fence).
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_LIMITS_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace riskflow {
namespace rule {

// The whole `rules` text of one detector.
inline constexpr size_t kMaxRuleSetBytes = 64 * 1024;
// At most this many rules fire per event, which keeps a detector within the
// host's 16 annotations per call (pipeline/plugin_host/plugin_output.h).
inline constexpr size_t kMaxRules = 16;
inline constexpr size_t kMaxAggregates = 16;
// AST nodes of one expression (each reason placeholder counts separately).
inline constexpr size_t kMaxNodes = 512;
// Parenthesis / operator nesting; the parser recurses, so this also bounds
// its stack use.
inline constexpr int kMaxDepth = 64;
inline constexpr size_t kMaxStringLiteralBytes = 256;
inline constexpr size_t kMaxListItems = 256;
inline constexpr size_t kMaxNameBytes = 64;
// A rendered reason; the host takes messages up to 1024 bytes.
inline constexpr size_t kMaxReasonBytes = 512;
inline constexpr size_t kMaxReasonPlaceholders = 16;
// One placeholder's rendered value inside a reason.
inline constexpr size_t kMaxPlaceholderBytes = 128;
// Default and ceiling of the per-event step budget (all rules of a
// detector together). One instruction is one step; an aggregate read costs
// kAggregateSteps; an `in` list costs its length.
inline constexpr int64_t kDefaultStepBudget = 20000;
inline constexpr int64_t kMaxStepBudget = 1000000;
inline constexpr int64_t kAggregateSteps = 8;
// Longest aggregate window (state kept per key).
inline constexpr int64_t kMaxWindowMs = 31LL * 24 * 3600 * 1000;

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_LIMITS_H_
