// fx_sanity_detector.h — an FX payout whose effective rate (paid out per
// unit charged) is far from the configured reference rate: a mispriced
// quote, a fat-finger rate or a manipulated conversion. Stateless. See
// README.md.
#ifndef RISKFLOW_PLUGINS_FX_SANITY_FX_SANITY_DETECTOR_H_
#define RISKFLOW_PLUGINS_FX_SANITY_FX_SANITY_DETECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plugins/sdk/currency_units.h"
#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace fx_sanity {

const std::vector<rf_param_spec>& FxSanityParams();

// Parses "USD/CNY:7.10,EUR/CNY:7.80" into "SRC/DST" -> DST units per 1 SRC.
// Refuses malformed items, SRC == DST, non-positive rates and repeats, with
// a message naming parameter 'rates'.
sdk::Status ParseRates(const std::vector<std::string>& items,
                       std::map<std::string, double, std::less<>>* out);

// A double for evidence: fixed `decimals`, trailing zeros (and a trailing
// '.') removed, so 7.10 -> "7.1" and 2.5 -> "2.5". Deterministic, unlike %g
// across magnitudes.
std::string FormatDecimal(double value, int decimals);

class FxSanityDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

 private:
  void NoteMissingPair(sdk::Context& ctx, const std::string& pair);

  std::map<std::string, double, std::less<>> rates_;
  double max_deviation_percent_ = 0;
  bool derive_inverse_ = true;
  sdk::MinorThresholds min_amount_;  // empty: no floor
  sdk::EventTypeFilter types_;
  // Pairs already logged as missing, so the log says it once per shard
  // instead of once per event. Never affects a decision.
  std::set<std::string> logged_missing_;
};

}  // namespace fx_sanity
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_FX_SANITY_FX_SANITY_DETECTOR_H_
