// rule_set.h — the `rules` text of a rule detector: aggregates and rules,
// compiled. The text is YAML-shaped so it reads like the pipeline around
// it, but it is parsed here (the plugin cannot link a YAML library), which
// is also what gives every error an exact line and column:
//
//   aggregate payouts:
//     kind: count            # count | sum | distinct
//     types: [PAYOUT]        # optional event-type filter
//     window: 7d             # longest window a rule reads
//
//   rule big_payout:
//     when: type == "PAYOUT" && amount_cny >= 5000000
//           && count(payouts, 1h) > 3
//     route: FREEZE
//     reason: "{count(payouts, 1h)} payouts in 1h, last {amount_cny} fen"
//     mode: shadow           # shadow | canary | live
//
// See docs/rules.md for every key.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_RULE_SET_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_RULE_SET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/rule/compiler/compile.h"
#include "plugins/rule/compiler/program.h"
#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace rule {

enum class Mode { kShadow, kCanary, kLive };
const char* ModeName(Mode m);
bool ParseMode(std::string_view text, Mode* out);
const char* RouteName(rf_route r);
bool ParseRouteName(std::string_view text, rf_route* out);

struct AggregateDecl {
  std::string name;
  AggregateKind kind = AggregateKind::kCount;
  int of_field = -1;  // FieldId summed / counted distinct; -1 for count
  std::vector<std::string> types;  // empty: every event type
  std::string currency;            // empty: every currency
  int64_t window_ms = 0;
  int64_t bucket_ms = 0;
};

// A reason: literal text and placeholders, rendered when the rule fires.
struct ReasonPart {
  bool is_expr = false;
  std::string literal;
  Program expr;
};

struct RuleDecl {
  std::string name;
  std::string code;  // annotation reason code, e.g. BIG_PAYOUT
  Program when;
  rf_route route = RF_ROUTE_UNSPECIFIED;
  std::vector<ReasonPart> reason;
  Mode mode = Mode::kShadow;
  int canary_percent = 0;
  rf_route on_error = RF_ROUTE_MANUAL_REVIEW;
  double score = 1.0;
  int line = 0;  // of the `rule NAME:` header
};

struct RuleSet {
  std::vector<AggregateDecl> aggregates;
  std::vector<RuleDecl> rules;
};

// Parses and compiles `text`; on failure *error is one message in the form
// of diagnostics.h (context, line, column, excerpt).
// one_line: the error as FormatError's one-line form (for the plugin,
// whose error text the host flattens).
bool CompileRuleSet(std::string_view text, RuleSet* out, std::string* error,
                    bool one_line = false);


}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_RULE_SET_H_
