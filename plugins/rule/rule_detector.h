// rule_detector.h — the `rule` detector: runs the rules written in its
// `rules` parameter (docs/rules.md). A thin layer over the compiler in
// plugins/rule/compiler: it declares one windowed state per aggregate,
// updates them per event, evaluates each rule's program and turns matches
// into annotations according to the rule's mode (shadow / canary / live).
#ifndef RISKFLOW_PLUGINS_RULE_RULE_DETECTOR_H_
#define RISKFLOW_PLUGINS_RULE_RULE_DETECTOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/rule/compiler/evaluator.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/rule_set.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace rule {

const std::vector<rf_param_spec>& RuleParams();

class RuleDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

  const RuleSet& rules() const { return rules_; }

 private:
  class Env;

  void UpdateAggregates(sdk::Context& ctx, const sdk::Event& event,
                        std::string_view entity);
  void Fire(sdk::Context& ctx, const RuleDecl& rule, const sdk::Event& event,
            Env& env, int64_t* budget);
  void Error(sdk::Context& ctx, const RuleDecl& rule, const sdk::Event& event,
             const EvalResult& result);

  RuleSet rules_;
  std::string rules_text_;  // owned copy: error locations point into it
  CnyRates rates_;
  int key_field_ = kFieldAccount;
  int64_t max_steps_ = 0;
  std::vector<sdk::StateHandle> handles_;  // per aggregate
  Evaluator evaluator_;
  Value fields_[kFieldCount];
};

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_RULE_DETECTOR_H_
