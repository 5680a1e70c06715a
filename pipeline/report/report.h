// The three renderings of a replay analysis: a self-contained HTML page
// (inline CSS and SVG, nothing fetched, so it can be mailed or archived), a
// JSON summary with a fixed key order (diffable, scriptable), and a short
// terminal summary.
#ifndef RISKFLOW_PIPELINE_REPORT_REPORT_H_
#define RISKFLOW_PIPELINE_REPORT_REPORT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "pipeline/report/decision_set.h"
#include "pipeline/report/diff.h"
#include "pipeline/report/labels.h"
#include "pipeline/report/stats.h"

namespace riskflow::report {

// One replay's decisions and what was computed from them. The pointees are
// owned by the caller and must outlive the ReportInput.
struct ReportSide {
  std::string name;  // "champion", "challenger"
  const DecisionSet* decisions = nullptr;
  DecisionStats stats;
  TimeSeries series;
  const LabelMetrics* labels = nullptr;  // null without an events file
};

struct ReportInput {
  ReportSide champion;
  std::optional<ReportSide> challenger;
  const DiffResult* diff = nullptr;  // set with a challenger
  // How many changed / missed / wrong decisions each rendering lists.
  size_t max_listed = 200;
};

// Fills stats and time series; both sides share one time axis so their
// charts line up. Stats come from `diff` when given (already computed).
ReportInput MakeReportInput(const DecisionSet& champion,
                            const LabelMetrics* champion_labels,
                            const DecisionSet* challenger,
                            const LabelMetrics* challenger_labels,
                            const DiffResult* diff, size_t max_listed = 200);

std::string RenderHtml(const ReportInput& input);
std::string RenderJsonSummary(const ReportInput& input);
std::string RenderTerminalSummary(const ReportInput& input);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_REPORT_H_
