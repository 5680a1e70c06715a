#include <algorithm>

#include "pipeline/report/report.h"

namespace riskflow::report {
namespace {

ReportSide MakeSide(std::string name, const DecisionSet& decisions,
                    const LabelMetrics* labels, const DecisionStats* stats) {
  ReportSide side;
  side.name = std::move(name);
  side.decisions = &decisions;
  side.stats = stats != nullptr ? *stats : ComputeStats(decisions);
  side.labels = labels;
  return side;
}

}  // namespace

ReportInput MakeReportInput(const DecisionSet& champion,
                            const LabelMetrics* champion_labels,
                            const DecisionSet* challenger,
                            const LabelMetrics* challenger_labels,
                            const DiffResult* diff, size_t max_listed) {
  ReportInput input;
  input.max_listed = max_listed;
  input.diff = challenger != nullptr ? diff : nullptr;
  input.champion =
      MakeSide("champion", champion, champion_labels,
               input.diff != nullptr ? &input.diff->champion_stats : nullptr);
  int64_t min_time = input.champion.stats.min_time_ms;
  int64_t max_time = input.champion.stats.max_time_ms;
  bool any_time =
      input.champion.stats.total > input.champion.stats.without_time;
  if (challenger != nullptr) {
    input.challenger = MakeSide(
        "challenger", *challenger, challenger_labels,
        input.diff != nullptr ? &input.diff->challenger_stats : nullptr);
    const DecisionStats& theirs = input.challenger->stats;
    if (theirs.total > theirs.without_time) {
      min_time = any_time ? std::min(min_time, theirs.min_time_ms)
                          : theirs.min_time_ms;
      max_time = any_time ? std::max(max_time, theirs.max_time_ms)
                          : theirs.max_time_ms;
      any_time = true;
    }
  }
  const TimeAxis axis =
      any_time ? ChooseTimeAxis(min_time, max_time) : TimeAxis();
  input.champion.series = BinByEventTime(champion, axis);
  if (input.challenger.has_value()) {
    input.challenger->series = BinByEventTime(*challenger, axis);
  }
  return input;
}

}  // namespace riskflow::report
