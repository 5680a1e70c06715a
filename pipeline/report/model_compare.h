// Rules-only vs rules+model on held-out accounts (docs/models.md): the
// baseline is a replay of the rules pipeline, the candidate a replay with
// the model_score detector (with or without the rules). An event counts as
// flagged by "rules+model" when either replay routes it anywhere but PASS,
// so a model-only candidate replay gives the same table as a combined one.
//
// Per anomaly kind (the label's value), for both sides: caught / labelled,
// recall, and precision against all benign alerts (TP_k / (TP_k + FP)), F1.
// Then the alert rate at equal recall: the highest model threshold whose
// model-only recall reaches the rules' recall, and the share of held-out
// events each side alerts on. Scores come from the candidate's annotations
// by the model detector (score_all: true gives every event one; without it
// an unannotated event scores 0).
#ifndef RISKFLOW_PIPELINE_REPORT_MODEL_COMPARE_H_
#define RISKFLOW_PIPELINE_REPORT_MODEL_COMPARE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace riskflow::report {

struct KindRow {
  int64_t labelled = 0;
  int64_t rules_caught = 0;
  int64_t combined_caught = 0;
};

struct ModelComparison {
  int holdout_percent = 0;
  int64_t events = 0;          // held-out events with both decisions
  int64_t fraud = 0;
  int64_t rules_alerts = 0;    // flagged by the baseline
  int64_t combined_alerts = 0; // flagged by either
  int64_t rules_fp = 0;
  int64_t combined_fp = 0;
  int64_t scored = 0;          // events with a model score
  std::map<std::string, KindRow> kinds;
  // Equal recall.
  double rules_recall = 0;
  bool has_equal_recall = false;
  double model_threshold = 0;
  double model_recall = 0;
  int64_t model_alerts = 0;
};

absl::StatusOr<ModelComparison> CompareModel(const std::string& baseline,
                                             const std::string& candidate,
                                             const std::string& events,
                                             const std::string& detector,
                                             int holdout_percent);

// The terminal table.
std::string RenderModelComparison(const ModelComparison& c);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_MODEL_COMPARE_H_
