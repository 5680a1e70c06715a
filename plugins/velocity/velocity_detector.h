// velocity_detector.h — too many money-moving events, or too much money, per
// entity (account by default) in sliding event-time windows (e.g. a burst of
// payouts from a taken-over account). See README.md for parameters and
// evidence.
#ifndef RISKFLOW_PLUGINS_VELOCITY_VELOCITY_DETECTOR_H_
#define RISKFLOW_PLUGINS_VELOCITY_VELOCITY_DETECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"
#include "plugins/velocity/velocity_limits.h"

namespace riskflow {
namespace velocity {

// The declared parameter schema (names are fixed: pipeline configs use them).
const std::vector<rf_param_spec>& VelocityParams();

class VelocityDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;
  // The count entity and, when the event is summed, its sum entity.
  void EntityHints(const sdk::Event& event, sdk::Hints& hints) const override;
  // Keyed by the bare account without sums: only the account, which the
  // host prefetches anyway.
  bool HintsUseful() const override {
    return key_ != EntityKey::kAccount || !sums_.empty();
  }

 private:
  // The first sum limit of the event's currency when OnEvent adds the
  // event to a sum (sums_.end() otherwise): shared by CheckSums and
  // EntityHints so the hinted sum entity is the one summed.
  std::vector<SumLimit>::const_iterator SummedBy(const sdk::Event& event) const;
  // Annotate (at most once each) with the most severe exceeded limit.
  void CheckCounts(sdk::Context& ctx, const std::string& entity);
  void CheckSums(sdk::Context& ctx, const std::string& entity,
                 const sdk::Event& event);

  EntityKey key_ = EntityKey::kAccount;
  // Shortest window first. Without `windows` it holds the single
  // (window, max_events) pair of 1.0.
  std::vector<CountLimit> counts_;
  // True when `windows` was given: evidence then also lists every exceeded
  // window. Off for 1.0 configs so their evidence stays exactly as it was.
  bool multi_window_ = false;
  std::vector<SumLimit> sums_;  // sorted by (currency, window)
  sdk::EventTypeFilter types_;
  sdk::StateHandle events_ = 0;
  sdk::StateHandle amounts_ = 0;  // declared only with `sum_limits`
};

}  // namespace velocity
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_VELOCITY_VELOCITY_DETECTOR_H_
