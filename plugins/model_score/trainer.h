// trainer.h — trains the model_score detector's booster with the XGBoost C
// API: binary:logistic, tree_method hist, nthread=1 and a fixed seed, so
// the same rows give the same model bytes. Used by `riskflow train` and by
// tests. Standard library + XGBoost only.
#ifndef RISKFLOW_PLUGINS_MODEL_SCORE_TRAINER_H_
#define RISKFLOW_PLUGINS_MODEL_SCORE_TRAINER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace riskflow::model_score {

struct TrainParams {
  int rounds = 100;        // boosting rounds (trees)
  int max_depth = 4;
  double eta = 0.1;        // learning rate
  double min_child_weight = 1;
  double subsample = 1.0;  // < 1 samples rows per tree (seeded)
  double colsample_bytree = 1.0;
  double lambda = 1.0;     // L2 on leaf weights
  // Weight of positive rows; 0 = negatives / positives, so a rare class is
  // not drowned (capped at 100).
  double scale_pos_weight = 0;
  uint64_t seed = 7;
};

// "key=value ..." as the trainer sets them, for the sidecar.
std::string DescribeParams(const TrainParams& params, double scale_pos_weight);

// rows: n_rows x n_features, row-major (NaN = missing); labels 0/1.
// On success *model is the model in XGBoost's JSON format and
// *used_scale_pos_weight the weight applied.
bool TrainBooster(const std::vector<float>& rows, size_t n_features,
                  const std::vector<float>& labels, const TrainParams& params,
                  std::string* model, double* used_scale_pos_weight,
                  std::string* error);

// "1.7.4": the XGBoost library the process runs.
std::string XgboostVersion();

}  // namespace riskflow::model_score

#endif  // RISKFLOW_PLUGINS_MODEL_SCORE_TRAINER_H_
