// new_beneficiary_detector.h — a large payout to a beneficiary (or bank
// account) that was added or changed on the profile shortly before: the
// classic account-takeover cash-out. See README.md.
#ifndef RISKFLOW_PLUGINS_NEW_BENEFICIARY_NEW_BENEFICIARY_DETECTOR_H_
#define RISKFLOW_PLUGINS_NEW_BENEFICIARY_NEW_BENEFICIARY_DETECTOR_H_

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
namespace new_beneficiary {

const std::vector<rf_param_spec>& NewBeneficiaryParams();

// account, a unit separator, counterparty. Ids are validated free of control
// characters, so the separator cannot occur inside either and two different
// pairs never share a key; the account comes first because the engine
// shards by account.
std::string BeneficiaryKey(std::string_view account,
                           std::string_view counterparty);

class NewBeneficiaryDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;
  void EntityHints(const sdk::Event& event, sdk::Hints& hints) const override;

 private:
  // Whether OnEvent reads the event's BeneficiaryKey: a watched profile
  // change, or a checked payout at or above its currency's threshold
  // (shared by OnEvent and EntityHints).
  bool WatchedChange(const sdk::Event& event) const;
  bool LargePayout(const sdk::Event& event) const;
  void OnProfileChange(sdk::Context& ctx, const sdk::Event& event);
  void OnPayout(sdk::Context& ctx, const sdk::Event& event);

  sdk::MinorThresholds thresholds_;
  std::set<std::string, std::less<>> fields_;
  sdk::EventTypeFilter types_;
  int64_t window_ms_ = 0;
  sdk::StateHandle changes_ = 0;
};

}  // namespace new_beneficiary
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_NEW_BENEFICIARY_NEW_BENEFICIARY_DETECTOR_H_
