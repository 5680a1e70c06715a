// cross_border_detector.h — a large payout or transfer leaving the account
// holder's country, outside the corridors the business expects. Stateless.
// See README.md.
#ifndef RISKFLOW_PLUGINS_CROSS_BORDER_CROSS_BORDER_DETECTOR_H_
#define RISKFLOW_PLUGINS_CROSS_BORDER_CROSS_BORDER_DETECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/currency_units.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace cross_border {

const std::vector<rf_param_spec>& CrossBorderParams();

// Parses "CN-HK,HK-CN" into the set {"CN-HK", "HK-CN"} (directional),
// refusing malformed items, FROM == TO and repeats, naming parameter
// 'allowed_corridors'.
sdk::Status ParseCorridors(const std::vector<std::string>& items,
                           std::set<std::string, std::less<>>* out);

// ASCII upper case, so "cn" from a sloppy channel compares equal to "CN"
// instead of looking like a different country.
std::string CountryCode(std::string_view s);

class CrossBorderDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

 private:
  sdk::MinorThresholds thresholds_;
  std::set<std::string, std::less<>> allowed_corridors_;
  sdk::EventTypeFilter types_;
};

}  // namespace cross_border
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_CROSS_BORDER_CROSS_BORDER_DETECTOR_H_
