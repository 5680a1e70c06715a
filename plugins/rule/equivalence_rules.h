// equivalence_rules.h — rule sets written to decide exactly like two C++
// detectors, and the matching C++ parameters. Shared by the equivalence
// test and the benchmark so both measure the same thing.
#ifndef RISKFLOW_PLUGINS_RULE_EQUIVALENCE_RULES_H_
#define RISKFLOW_PLUGINS_RULE_EQUIVALENCE_RULES_H_

#include <map>
#include <string>

namespace riskflow {
namespace rule {

// velocity with three count windows: five clauses (type, account, three
// windows).
inline const std::map<std::string, std::string>& VelocityParams() {
  static const std::map<std::string, std::string> kParams = {
      {"windows", "1m:5,1h:30,24h:100"},
      {"bucket", "1s"},
      {"types", "PAYMENT,PAYOUT,TRANSFER"},
  };
  return kParams;
}

inline constexpr char kVelocityRules[] = R"RULES(aggregate events:
  kind: count
  types: [PAYMENT, PAYOUT, TRANSFER]
  window: 24h
  bucket: 1s

rule velocity:
  when: type in ["PAYMENT", "PAYOUT", "TRANSFER"] && account != ""
        && (count(events, 1m) > 5 || count(events, 1h) > 30
            || count(events, 24h) > 100)
  route: FREEZE
  reason: "{count(events, 1m)} events in 1m, {count(events, 1h)} in 1h"
  mode: live
)RULES";

inline const std::map<std::string, std::string>& LargeAmountParams() {
  static const std::map<std::string, std::string> kParams = {
      {"thresholds", "CNY:10000000,USD:1500000"},
      {"types", "PAYOUT"},
  };
  return kParams;
}

inline constexpr char kLargeAmountRules[] = R"RULES(rule large_amount:
  when: type == "PAYOUT"
        && ((currency == "CNY" && amount >= 10000000)
            || (currency == "USD" && amount >= 1500000))
  route: MANUAL_REVIEW
  reason: "{amount} {currency} (minor units)"
  mode: live
)RULES";

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_EQUIVALENCE_RULES_H_
