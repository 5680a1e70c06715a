// sudden_outflow_detector.h — an account sending out, within a short window,
// far more than its own daily history or most of its known balance: the
// "empty the account" step of a takeover or a mule cash-out. See README.md.
#ifndef RISKFLOW_PLUGINS_SUDDEN_OUTFLOW_SUDDEN_OUTFLOW_DETECTOR_H_
#define RISKFLOW_PLUGINS_SUDDEN_OUTFLOW_SUDDEN_OUTFLOW_DETECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/currency_units.h"
#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sudden_outflow {

const std::vector<rf_param_spec>& SuddenOutflowParams();

// The last BALANCE_SNAPSHOT of an account in one currency, carried forward
// with the flows seen since, as kept in LAST_SEEN.
struct Balance {
  int64_t snapshot_minor = 0;
  int64_t snapshot_time_ms = 0;
  int64_t inflow_minor = 0;   // DEPOSIT / REFUND since the snapshot
  int64_t outflow_minor = 0;  // counted outflows since the snapshot
};
std::string EncodeBalance(const Balance& b);
std::optional<Balance> DecodeBalance(std::string_view bytes);

class SuddenOutflowDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;
  void EntityHints(const sdk::Event& event, sdk::Hints& hints) const override;

 private:
  // The "account|currency" key OnEvent keeps the event's states under, ""
  // when it touches none (shared by OnEvent and EntityHints).
  std::string KeyFor(const sdk::Event& event) const;
  void OnSnapshot(sdk::Context& ctx, const sdk::Event& event,
                  const std::string& key);
  void OnInflow(sdk::Context& ctx, const sdk::Event& event,
                const std::string& key);
  void CheckHistory(sdk::Context& ctx, const sdk::Event& event,
                    const std::string& key, int64_t window_sum);
  void CheckBalance(sdk::Context& ctx, const sdk::Event& event,
                    const std::string& key, int64_t window_sum);

  sdk::EventTypeFilter types_;
  int64_t window_ms_ = 0;
  int64_t history_ms_ = 0;
  int64_t history_days_ = 0;
  double multiple_ = 0;
  int64_t min_history_days_ = 0;
  double balance_percent_ = 0;
  // Absolute floors per currency (empty: none) of the two rules.
  sdk::MinorThresholds min_amount_;
  sdk::MinorThresholds balance_min_amount_;
  // All keyed by "account|currency": amounts in different currencies are
  // never added together.
  sdk::StateHandle short_sum_ = 0;   // SUM over `window`
  sdk::StateHandle daily_sum_ = 0;   // SUM over `history`, 1d buckets
  sdk::StateHandle first_seen_ = 0;  // LAST_SEEN: first counted outflow
  sdk::StateHandle balance_ = 0;     // LAST_SEEN: Balance
};

}  // namespace sudden_outflow
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SUDDEN_OUTFLOW_SUDDEN_OUTFLOW_DETECTOR_H_
