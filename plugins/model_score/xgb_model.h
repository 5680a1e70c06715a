// xgb_model.h — one XGBoost booster loaded from bytes (the FILE parameter's
// contents) and scored one row at a time through the C API, single-threaded
// (nthread=1) so scores are deterministic and a shard never spawns threads.
#ifndef RISKFLOW_PLUGINS_MODEL_SCORE_XGB_MODEL_H_
#define RISKFLOW_PLUGINS_MODEL_SCORE_XGB_MODEL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace riskflow::model_score {

class XgbModel {
 public:
  XgbModel() = default;
  ~XgbModel();
  XgbModel(const XgbModel&) = delete;
  XgbModel& operator=(const XgbModel&) = delete;

  // Loads a model saved by XGBoost (JSON or UBJSON). Refuses a corrupt model
  // and one whose feature count differs from expected_features. On failure
  // returns false with *error (XGBoost's own text, shortened).
  bool Load(std::string_view bytes, size_t expected_features,
            std::string* error);

  // The model's output (a probability for binary:logistic) for one row of
  // features. False with *error when XGBoost fails.
  bool Score(const float* row, float* out, std::string* error);

  // Feature indices by total gain, highest first (all features, features
  // never used in a split last in index order).
  const std::vector<size_t>& ranked_features() const { return ranked_; }

 private:
  void* booster_ = nullptr;
  size_t features_ = 0;
  std::vector<size_t> ranked_;
  std::string config_;
};

}  // namespace riskflow::model_score

#endif  // RISKFLOW_PLUGINS_MODEL_SCORE_XGB_MODEL_H_
