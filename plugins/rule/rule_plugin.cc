// The `rule` plugin's entry point.
#include "plugins/rule/rule_detector.h"

RISKFLOW_DETECTOR(riskflow::rule::RuleDetector, "rule", "1.0.0",
                  "Scripted rules: typed expressions over event fields and "
                  "declared windowed aggregates, with shadow / canary / live "
                  "modes (docs/rules.md).",
                  riskflow::rule::RuleParams)
