// Champion / challenger: the same stream replayed through two pipeline
// versions, compared decision by decision (joined on decision_id).
#ifndef RISKFLOW_PIPELINE_REPORT_DIFF_H_
#define RISKFLOW_PIPELINE_REPORT_DIFF_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/report/decision_set.h"
#include "pipeline/report/stats.h"

namespace riskflow::report {

struct ChangedDecision {
  uint32_t champion = 0;         // index in the champion set
  uint32_t challenger = 0;       // index in the challenger set
  bool route_changed = false;    // most severe route or sink set differs
  bool reasons_changed = false;  // set of (detector, reason_code) differs
};

struct DiffResult {
  int64_t compared = 0;  // decision_ids present on both sides
  int64_t route_changed = 0;
  int64_t reasons_only_changed = 0;  // same routes, different reasons
  // Every changed decision in champion (stream) order. Indices only, so
  // even a million changes cost 12 MB; renderers show the first N.
  std::vector<ChangedDecision> changes;
  // Decisions on one side only, as indices into that side, in its order.
  std::vector<uint32_t> only_in_champion;
  std::vector<uint32_t> only_in_challenger;
  // (champion route, challenger route) -> decisions, route changes only.
  std::map<std::pair<RouteId, RouteId>, int64_t> transitions;
  // Counts per route and detector on each side, over all its decisions.
  DecisionStats champion_stats;
  DecisionStats challenger_stats;

  int64_t changed() const { return static_cast<int64_t>(changes.size()); }
  // Both non-empty yet no id in common: not two replays of one stream.
  bool Disjoint() const {
    return compared == 0 && champion_stats.total > 0 &&
           challenger_stats.total > 0;
  }
};

DiffResult Diff(const DecisionSet& champion, const DecisionSet& challenger);

// "velocity:VELOCITY->FREEZE, large_amount:LARGE->PASS" for one decision,
// or "-" with no annotations.
std::string ReasonList(const DecisionSet& set, size_t index);

// "FREEZE+NOTIFY" (most severe first), or the single route.
std::string SinkList(const DecisionRecord& record);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_DIFF_H_
