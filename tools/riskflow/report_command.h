// `riskflow report` and `riskflow diff`: offline analysis of the decision
// files `riskflow replay` writes (no daemon needed). The work is in
// pipeline/report; this file parses flags, resolves paths and words errors.
#ifndef RISKFLOW_TOOLS_RISKFLOW_REPORT_COMMAND_H_
#define RISKFLOW_TOOLS_RISKFLOW_REPORT_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/report/decision_reader.h"

namespace riskflow::cli {

struct ReportOptions {
  std::string decisions;   // the champion (required)
  std::string challenger;  // optional: diff against it
  std::string events;      // optional: labelled events for P/R/F1
  std::string html;        // optional output files
  std::string json;
  int64_t max_listed = 200;
  report::DecisionFormat format = report::DecisionFormat::kAuto;
  // Rules-only (--decisions) vs rules+model (--challenger) on held-out
  // accounts, scores from this detector (docs/models.md).
  std::string model_detector;
  int64_t holdout_percent = 20;
};

inline constexpr char kReportUsage[] =
    "riskflow report --decisions A.jsonl [--challenger B.jsonl]\n"
    "                [--events EVENTS.jsonl] [--html report.html]\n"
    "                [--json summary.json] [--max_listed 200]\n"
    "                [--input_format auto|jsonl|proto]\n"
    "                [--model_detector model_score [--holdout_percent 20]]\n"
    "  Summarises replay decision files (JSONL or length-delimited proto,\n"
    "  gzip optional): counts per route and detector, the diff against a\n"
    "  challenger, precision / recall / F1 against attributes.label of the\n"
    "  events; writes a self-contained HTML report and a JSON summary.\n"
    "  With --model_detector: rules-only (--decisions) vs rules+model\n"
    "  (--challenger) on the accounts `riskflow train` held out, P/R/F1 per\n"
    "  anomaly kind and the alert rate at equal recall.\n";

inline constexpr char kDiffUsage[] =
    "riskflow diff CHAMPION CHALLENGER [--max 50] "
    "[--input_format auto|jsonl|proto]\n"
    "  Prints the decisions whose route or (detector, reason) set changed\n"
    "  between two replays of the same stream, with both sides' reasons,\n"
    "  and the events present on one side only.\n";

absl::StatusOr<ReportOptions> ParseReportArgs(
    const std::vector<std::string>& args);

// Prints the terminal summary to `out` and writes the requested files.
// 0 on success; 1 on usage, read or write errors and when the two decision
// files share no decision id (not replays of one stream).
int RunReport(const ReportOptions& options, std::ostream& out,
              std::ostream& err);

int ReportMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

struct DiffOptions {
  std::string champion;
  std::string challenger;
  int64_t max = 50;  // changed decisions printed; 0 prints counts only
  report::DecisionFormat format = report::DecisionFormat::kAuto;
};

absl::StatusOr<DiffOptions> ParseDiffArgs(const std::vector<std::string>& args);

// 0 whether or not decisions changed (the output says); 1 on errors and
// for files that share no decision id.
int RunDiff(const DiffOptions& options, std::ostream& out, std::ostream& err);

int DiffMain(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_REPORT_COMMAND_H_
