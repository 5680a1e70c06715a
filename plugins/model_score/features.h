// features.h — the model_score detector's feature vector: ONE piece of code
// computes it, for scoring (mode: score) and for training (mode: features,
// which `riskflow train` replays to export the vectors), so train / serve
// skew cannot happen by construction (docs/models.md).
//
// A feature list is a LIST parameter of names from this catalogue:
//   amount_cny            amount in CNY (major units) via `rates`; missing
//                         (NaN) for a currency without a rate
//   log_amount_cny        ln(1 + amount_cny)
//   hour_of_day           UTC hour of the event time, 0..23
//   cross_border          1 when country and counterparty_country are both
//                         set and differ, else 0
//   fx                    1 when source_currency is set and differs
//   type_<t>              1 when the event type is <t> (payout, payment,
//                         transfer, refund, login, auth_failure,
//                         profile_change, balance_snapshot, deposit)
//   count_<t|all>_<dur>   the account's events of type <t> (or all) in the
//                         window (dur: 30s, 10m, 1h, 7d, ...)
//   sum_cny_<dur>         CNY (major units) of the account's PAYMENT /
//                         PAYOUT / TRANSFER events in the window
//   distinct_<f>_<dur>    distinct counterparty / device / ip / country
//                         values of the account in the window
//   new_counterparty_<dur> 1 when the counterparty is set and the account
//                         has not used it in the window before this event
//   secs_since_last       seconds since the account's previous event
//                         (-1 for its first)
//   <a>/<b>               ratio of two catalogue features (0 when b is 0)
// Windowed features include the current event. Every value is a float (the
// type XGBoost scores), so the text the features mode writes ("%.9g") reads
// back bit-identical.
#ifndef RISKFLOW_PLUGINS_MODEL_SCORE_FEATURES_H_
#define RISKFLOW_PLUGINS_MODEL_SCORE_FEATURES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow::model_score {

// Most features one list may declare: the features mode writes one
// evidence entry per feature and the host allows 32 per annotation.
inline constexpr size_t kMaxFeatures = 30;

class FeatureSet {
 public:
  FeatureSet();
  ~FeatureSet();
  FeatureSet(FeatureSet&&) noexcept;
  FeatureSet& operator=(FeatureSet&&) noexcept;

  // Parses the names and the CNY rates ("USD:7.1,..."; CNY is 1). The
  // error names the offending feature.
  sdk::Status Parse(const std::vector<std::string>& names,
                    const std::vector<std::string>& rates);
  // Declares the windowed states the features need.
  sdk::Status Declare(sdk::InitContext& ctx);
  // Updates the account's state with this event and writes size() values.
  void Compute(sdk::Context& ctx, const sdk::Event& event, float* out);

  size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Impl;
  std::vector<std::string> names_;
  std::unique_ptr<Impl> impl_;
};

// "%.9g": the shortest decimal text that reads back as the same float.
std::string FormatFeature(float v);

}  // namespace riskflow::model_score

#endif  // RISKFLOW_PLUGINS_MODEL_SCORE_FEATURES_H_
