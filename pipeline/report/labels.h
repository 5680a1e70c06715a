// Precision / recall of a replay against labelled events: the events file
// marks fraud in attributes["label"], whose value names the scenario
// ("velocity_burst"); "", "0", "false", "benign" and "none" mean not fraud.
#ifndef RISKFLOW_PIPELINE_REPORT_LABELS_H_
#define RISKFLOW_PIPELINE_REPORT_LABELS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/report/decision_set.h"

namespace riskflow::report {

bool IsFraudLabel(std::string_view label);

struct Confusion {
  int64_t true_positives = 0;   // fraud and flagged
  int64_t false_positives = 0;  // flagged, not fraud
  int64_t false_negatives = 0;  // fraud, not flagged
  // 0 when undefined (nothing flagged / no fraud), so tables stay numeric;
  // the counts beside them show which case it is.
  double precision() const;
  double recall() const;
  double f1() const;
};

struct ScenarioCounts {
  int64_t fraud = 0;   // labelled events of this scenario with a decision
  int64_t caught = 0;  // ... that were routed anywhere but PASS
};

struct ListedDecision {
  uint32_t index = 0;  // in the scored DecisionSet
  std::string label;   // the event's label ("" when not labelled)
};

struct LabelMetrics {
  int64_t events = 0;  // events read (repeats of an id count once)
  int64_t scored = 0;  // events joined to a decision
  int64_t fraud = 0;   // scored events labelled as fraud
  int64_t events_without_decision = 0;
  int64_t fraud_without_decision = 0;  // fraud the replay never decided
  int64_t decisions_without_event = 0;
  // An event "is flagged" overall when its decision routes anywhere but
  // PASS; by a detector when that detector annotated it with a route other
  // than PASS; by a route when the decision reaches that sink.
  Confusion overall;
  std::map<std::string, Confusion> by_detector;
  std::map<RouteId, Confusion> by_route;  // FREEZE, MANUAL_REVIEW, NOTIFY
  std::map<std::string, ScenarioCounts> by_scenario;
  // Fraud routed PASS, and flagged events without a fraud label, in stream
  // order: the first `max_listed` of each, with the totals beside them.
  std::vector<ListedDecision> missed;
  std::vector<ListedDecision> wrong;
  int64_t missed_total = 0;
  int64_t wrong_total = 0;
};

// Streams the events file (JSONL, gzip optional) once and joins each event
// to its decision by "<channel_id>/<event_id>". A malformed event line is
// an error naming file:line.
absl::StatusOr<LabelMetrics> ScoreLabels(const DecisionSet& decisions,
                                         const std::string& events_path,
                                         size_t max_listed = 200);

// The same for several replays of the stream (champion and challenger) in
// one pass over the events file, which costs as much to parse as a
// decision file. Results are in the order of `sets`.
absl::StatusOr<std::vector<LabelMetrics>> ScoreLabels(
    const std::vector<const DecisionSet*>& sets, const std::string& events_path,
    size_t max_listed = 200);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_LABELS_H_
