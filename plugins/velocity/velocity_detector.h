// velocity_detector.h — too many money-moving events per account in a
// sliding event-time window (e.g. a burst of payouts from a taken-over
// account). See README.md for parameters and evidence.
#ifndef RISKFLOW_PLUGINS_VELOCITY_VELOCITY_DETECTOR_H_
#define RISKFLOW_PLUGINS_VELOCITY_VELOCITY_DETECTOR_H_

#include <cstdint>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace velocity {

// The declared parameter schema (names are fixed: pipeline configs use them).
const std::vector<rf_param_spec>& VelocityParams();

class VelocityDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

 private:
  int64_t max_events_ = 0;
  int64_t window_ms_ = 0;
  sdk::EventTypeFilter types_;
  sdk::StateHandle events_ = 0;
};

}  // namespace velocity
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_VELOCITY_VELOCITY_DETECTOR_H_
