// A `rules` parameter as the rule plugin compiles it
// (plugins/rule/compiler/rule_set.h): arbitrary text from a pipeline YAML.
// Properties: compiling never crashes or hangs; a refusal has a message
// that names a line and column within the text and fits the host's 1 KiB
// error bound; an accepted rule set evaluates every `when` and every
// reason placeholder on a fixed event without crashing, within the step
// budget or reporting it; compiling is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugins/rule/compiler/evaluator.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/compiler/rule_set.h"
#include "plugins/rule/compiler/test_env.h"

namespace {

using namespace riskflow::rule;  // NOLINT: a fuzz target, one namespace

void Check(bool ok, const char* what) {
  if (!ok) {
    __builtin_trap();
  }
  (void)what;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RuleSet set;
  std::string error;
  const bool ok = CompileRuleSet(text, &set, &error);
  RuleSet again;
  std::string error_again;
  Check(CompileRuleSet(text, &again, &error_again) == ok, "deterministic");
  Check(error == error_again, "same error");
  if (!ok) {
    Check(!error.empty(), "refusal says why");
    Check(error.size() < 1024, "fits the host's error bound");
    Check(size > kMaxRuleSetBytes ||
              error.find("line ") != std::string::npos ||
              error.find("declares no rule") != std::string::npos,
          "refusal is located");
    return 0;
  }
  Check(set.rules.size() <= kMaxRules, "rule bound");
  Check(set.aggregates.size() <= kMaxAggregates, "aggregate bound");
  TestEnv env;
  env.SetStr(kFieldType, "PAYOUT");
  env.SetStr(kFieldAccount, "acct-1");
  env.SetStr(kFieldCurrency, "CNY");
  env.SetInt(kFieldAmount, 9000000000000000000);
  env.attributes["k"] = "v";
  for (size_t i = 0; i < set.aggregates.size(); ++i) {
    env.aggregates[{static_cast<int>(i), 3600000}] = 7;
  }
  Evaluator ev;
  int64_t budget = kDefaultStepBudget;
  for (const RuleDecl& r : set.rules) {
    Check(r.when.result == Type::kBool, "when is true/false");
    Check(r.when.node_count <= kMaxNodes, "node bound");
    ev.Reserve(r.when);
    ev.Run(r.when, env, &budget);
    for (const ReasonPart& p : r.reason) {
      if (!p.is_expr) continue;
      ev.Reserve(p.expr);
      ev.Run(p.expr, env, &budget);
    }
  }
  return 0;
}
