// balance_reconciliation_detector.h — a reported balance that does not match
// the balance implied by the last snapshot plus the credits and debits seen
// since: money moved through a path the engine never saw (a missing event
// feed, a ledger bug, or an unrecorded withdrawal). See README.md.
#ifndef RISKFLOW_PLUGINS_BALANCE_RECONCILIATION_BALANCE_RECONCILIATION_DETECTOR_H_
#define RISKFLOW_PLUGINS_BALANCE_RECONCILIATION_BALANCE_RECONCILIATION_DETECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace balance_reconciliation {

const std::vector<rf_param_spec>& BalanceReconciliationParams();

// account, a unit separator, currency: one running balance per currency.
// Ids are validated free of control characters, so keys cannot collide; the
// account comes first because the engine shards by account.
std::string BalanceKey(std::string_view account, std::string_view currency);

// Strict decimal int64 ("-120", "0"); nullopt for anything else, including
// the empty "balance unknown" marker.
std::optional<int64_t> ParseInt64(std::string_view text);

class BalanceReconciliationDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;
  void EntityHints(const sdk::Event& event, sdk::Hints& hints) const override;

 private:
  // The BalanceKey the event's states live under, "" when OnEvent touches
  // no state (shared by OnEvent and EntityHints).
  std::string KeyFor(const sdk::Event& event) const;
  void OnSnapshot(sdk::Context& ctx, const sdk::Event& event,
                  const std::string& key);
  void OnMovement(sdk::Context& ctx, const sdk::Event& event,
                  const std::string& key, bool credit);

  int64_t tolerance_minor_ = 0;
  sdk::EventTypeFilter credits_;
  sdk::EventTypeFilter debits_;
  // All keyed by BalanceKey. `balance_` holds the implied balance as decimal
  // text ("" once it overflowed and is unknown until the next snapshot);
  // `since_` the number of movements applied since the snapshot; `base_` the
  // snapshot's event_id, written only by snapshots so that its stored event
  // time is the snapshot's time.
  sdk::StateHandle balance_ = 0;
  sdk::StateHandle since_ = 0;
  sdk::StateHandle base_ = 0;
};

}  // namespace balance_reconciliation
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_BALANCE_RECONCILIATION_BALANCE_RECONCILIATION_DETECTOR_H_
