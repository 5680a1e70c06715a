// large_amount_detector.h — a single event whose amount reaches a
// per-currency threshold, or (for currencies without one) a reference
// threshold after conversion at a configured rate. Stateless. See README.md.
#ifndef RISKFLOW_PLUGINS_LARGE_AMOUNT_LARGE_AMOUNT_DETECTOR_H_
#define RISKFLOW_PLUGINS_LARGE_AMOUNT_LARGE_AMOUNT_DETECTOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/large_amount/reference_conversion.h"
#include "plugins/sdk/event_types.h"
#include "plugins/sdk/currency_units.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace large_amount {

const std::vector<rf_param_spec>& LargeAmountParams();

class LargeAmountDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

 private:
  // Events in a currency without a threshold: the cross-currency check.
  sdk::Status CheckConverted(sdk::Context& ctx, const sdk::Event& event);

  // std::less<> so lookups take the event's string_view without a copy.
  sdk::MinorThresholds thresholds_;
  sdk::EventTypeFilter types_;
  ReferenceConversion reference_;  // disabled unless configured
};

}  // namespace large_amount
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_LARGE_AMOUNT_LARGE_AMOUNT_DETECTOR_H_
