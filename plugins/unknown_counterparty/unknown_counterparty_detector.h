// unknown_counterparty_detector.h — a debit to a counterparty the account
// has not dealt with within a long memory, once the account has a history
// to compare with. A soft signal (NOTIFY): most new payees are legitimate,
// but a drained account pays people it never paid before. See README.md.
#ifndef RISKFLOW_PLUGINS_UNKNOWN_COUNTERPARTY_UNKNOWN_COUNTERPARTY_DETECTOR_H_
#define RISKFLOW_PLUGINS_UNKNOWN_COUNTERPARTY_UNKNOWN_COUNTERPARTY_DETECTOR_H_

#include <cstdint>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace unknown_counterparty {

const std::vector<rf_param_spec>& UnknownCounterpartyParams();

class UnknownCounterpartyDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;
  // The account when the event is learned or checked or travel is
  // tracked, and the "account|country" key when travel is tracked.
  void EntityHints(const sdk::Event& event, sdk::Hints& hints) const override;

 private:
  // The (account, country) key InNewCountry uses, "" when it does not run
  // (shared by InNewCountry and EntityHints).
  std::string CountryKey(const sdk::Event& event) const;
  // Whether OnEvent checks or learns the event's counterparty.
  bool Learns(const sdk::Event& event) const;
  sdk::EventTypeFilter checked_;
  sdk::EventTypeFilter learned_;
  int64_t memory_ms_ = 0;
  int64_t min_known_ = 0;
  sdk::StateHandle known_ = 0;
  // travel_grace (0 = off): the first event time of the account, and of
  // each (account, country), both LAST_SEEN written once.
  bool InNewCountry(sdk::Context& ctx, const sdk::Event& event);
  int64_t travel_grace_ms_ = 0;
  sdk::StateHandle account_since_ = 0;
  sdk::StateHandle country_since_ = 0;
};

}  // namespace unknown_counterparty
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_UNKNOWN_COUNTERPARTY_UNKNOWN_COUNTERPARTY_DETECTOR_H_
