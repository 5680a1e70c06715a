// `riskflow train`: builds a model_score model from a labelled replay. The
// feature vectors come from replaying the events through the pipeline's own
// model_score detector in its features mode (the code that scores them
// live), the split is by account hash (pipeline/report/holdout.h), the
// booster is trained with the XGBoost C API (nthread=1, fixed seed), and a
// JSON sidecar records the feature list, the data hash and held-out
// metrics (docs/models.md).
#ifndef RISKFLOW_TOOLS_RISKFLOW_TRAIN_COMMAND_H_
#define RISKFLOW_TOOLS_RISKFLOW_TRAIN_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/model_score/trainer.h"

namespace riskflow::cli {

inline constexpr char kTrainUsage[] =
    "riskflow train --pipeline P.yaml --events LABELLED.jsonl [--labels "
    "CASES.jsonl] --out MODEL.json [--detector NAME] [--holdout_percent 20] "
    "[--rounds 100] [--max_depth 4] [--eta 0.1] [--min_child_weight 1] "
    "[--subsample 1] [--colsample_bytree 1] [--lambda 1] "
    "[--scale_pos_weight 0] [--seed 7] [--threshold 0.5] [--shards 1]\n"
    "  Trains the model of the pipeline's model_score detector: replays\n"
    "  --events through that detector in features mode (its feature list\n"
    "  and rates), labels each event from attributes.label (a --labels\n"
    "  file, e.g. the case console's export, overrides by event), holds\n"
    "  out --holdout_percent of the accounts (by hash), trains on the rest\n"
    "  and writes MODEL.json plus MODEL.json.meta.json (features, data\n"
    "  hash, hyper-parameters, held-out metrics). Deterministic: the same\n"
    "  inputs and flags give the same model bytes.\n";

struct TrainOptions {
  std::string pipeline;
  std::string detector;  // "" = the pipeline's only model_score detector
  std::string events;
  std::string labels;
  std::string out;
  std::string meta;  // default: out + ".meta.json"
  int holdout_percent = 20;
  double threshold = 0.5;  // held-out precision / recall at this score
  uint32_t shards = 1;
  std::vector<std::string> plugin_search_path;
  model_score::TrainParams params;
};

absl::StatusOr<TrainOptions> ParseTrainArgs(const std::vector<std::string>& args);

// Returns the exit code (0 ok, 1 error) after printing a summary.
int RunTrain(const TrainOptions& options, std::ostream& out, std::ostream& err);

int TrainMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_TRAIN_COMMAND_H_
