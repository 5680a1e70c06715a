// duplicate_payout_detector.h — the same payout (or payment: account,
// counterparty, currency, amount, type) sent twice within a window under
// different event ids, e.g. a retried payout that was in fact delivered.
// See README.md.
#ifndef RISKFLOW_PLUGINS_DUPLICATE_PAYOUT_DUPLICATE_PAYOUT_DETECTOR_H_
#define RISKFLOW_PLUGINS_DUPLICATE_PAYOUT_DUPLICATE_PAYOUT_DETECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace duplicate_payout {

const std::vector<rf_param_spec>& DuplicatePayoutParams();

// The state key: each field length-prefixed ("3:acc4:cpty3:USD3:100"), so
// no choice of field contents can make two different payouts collide. Types
// other than PAYOUT append their name ("...3:1007:PAYMENT").
std::string PayoutKey(const sdk::Event& event);

class DuplicatePayoutDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;
  void EntityHints(const sdk::Event& event, sdk::Hints& hints) const override;

 private:
  // Whether OnEvent keeps state for the event (under PayoutKey).
  bool Compared(const sdk::Event& event) const;

  int64_t window_ms_ = 0;
  sdk::EventTypeFilter types_;
  sdk::StateHandle last_ = 0;
};

}  // namespace duplicate_payout
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_DUPLICATE_PAYOUT_DUPLICATE_PAYOUT_DETECTOR_H_
