#include "tools/riskflow/report_command.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pipeline/report/diff.h"
#include "pipeline/report/labels.h"
#include "pipeline/report/model_compare.h"
#include "pipeline/report/report.h"
#include "pipeline/report/report_format.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"
#include "tools/riskflow/rules_edit.h"

namespace riskflow::cli {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file.is_open()) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  file << content;
  file.close();
  if (!file) return absl::DataLossError(absl::StrCat("error writing ", path));
  return absl::OkStatus();
}

absl::StatusOr<report::DecisionSet> Load(const std::string& path,
                                         report::DecisionFormat format) {
  return report::LoadDecisions(ResolveUserPath(path), format);
}

// Diffing two different streams would report every event as missing on
// both sides; say what is wrong instead.
absl::Status CheckSameStream(const report::DiffResult& diff,
                             const std::string& champion,
                             const std::string& challenger) {
  if (!diff.Disjoint()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      champion, " and ", challenger,
      " have no decision id in common: they are not replays of the same "
      "stream"));
}

void AddFormatFlag(FlagSet* flags, std::string* format) {
  flags->AddString("input_format", format,
                   "decision file format: auto, jsonl or proto");
}

}  // namespace

absl::StatusOr<ReportOptions> ParseReportArgs(
    const std::vector<std::string>& args) {
  ReportOptions options;
  std::string format = "auto";
  FlagSet flags("riskflow report");
  flags.AddString("decisions", &options.decisions,
                  "the (champion) replay's decision file");
  flags.AddString("challenger", &options.challenger,
                  "a second replay of the same stream to diff against");
  flags.AddString("events", &options.events,
                  "the replayed events (JSONL) with attributes.label");
  flags.AddString("html", &options.html, "write the HTML report here");
  flags.AddString("json", &options.json, "write the JSON summary here");
  flags.AddInt("max_listed", &options.max_listed,
               "changed / missed / wrong decisions listed in the files", 0);
  AddFormatFlag(&flags, &format);
  flags.AddString("model_detector", &options.model_detector,
                  "compare rules-only (--decisions) with rules+model "
                  "(--challenger) on held-out accounts; model scores from "
                  "this detector");
  flags.AddInt("holdout_percent", &options.holdout_percent,
               "--model_detector: the accounts held out by riskflow train", 1);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (!positional->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "takes no positional arguments (got \"", positional->front(),
        "\"); pass the file with --decisions"));
  }
  if (!options.model_detector.empty() &&
      (options.challenger.empty() || options.events.empty())) {
    return absl::InvalidArgumentError(
        "--model_detector needs --challenger (the rules+model replay) and "
        "--events (the labelled stream)");
  }
  if (options.holdout_percent > 90) {
    return absl::InvalidArgumentError("--holdout_percent: at most 90");
  }
  if (options.decisions.empty()) {
    return absl::InvalidArgumentError("needs --decisions FILE");
  }
  absl::StatusOr<report::DecisionFormat> parsed =
      report::ParseDecisionFormat(format);
  if (!parsed.ok()) return parsed.status();
  options.format = *parsed;
  return options;
}

int RunReport(const ReportOptions& options, std::ostream& out,
              std::ostream& err) {
  auto fail = [&err](const absl::Status& status) {
    err << "riskflow report: " << status.message() << "\n";
    return kExitError;
  };
  absl::StatusOr<report::DecisionSet> champion =
      Load(options.decisions, options.format);
  if (!champion.ok()) return fail(champion.status());
  std::optional<report::DecisionSet> challenger;
  std::optional<report::DiffResult> diff;
  if (!options.challenger.empty()) {
    absl::StatusOr<report::DecisionSet> loaded =
        Load(options.challenger, options.format);
    if (!loaded.ok()) return fail(loaded.status());
    challenger = std::move(loaded).value();
    diff = report::Diff(*champion, *challenger);
    absl::Status same =
        CheckSameStream(*diff, options.decisions, options.challenger);
    if (!same.ok()) return fail(same);
  }
  std::optional<report::LabelMetrics> champion_labels;
  std::optional<report::LabelMetrics> challenger_labels;
  if (!options.events.empty()) {
    std::vector<const report::DecisionSet*> sets = {&*champion};
    if (challenger.has_value()) sets.push_back(&*challenger);
    absl::StatusOr<std::vector<report::LabelMetrics>> scored =
        report::ScoreLabels(sets, ResolveUserPath(options.events),
                            static_cast<size_t>(options.max_listed));
    if (!scored.ok()) return fail(scored.status());
    champion_labels = std::move((*scored)[0]);
    if (challenger.has_value()) challenger_labels = std::move((*scored)[1]);
  }
  report::ReportInput input = report::MakeReportInput(
      *champion, champion_labels ? &*champion_labels : nullptr,
      challenger ? &*challenger : nullptr,
      challenger_labels ? &*challenger_labels : nullptr,
      diff ? &*diff : nullptr, static_cast<size_t>(options.max_listed));

  out << report::RenderTerminalSummary(input);
  // What shadow rules (docs/rules.md) would have flagged; JSONL only.
  out << ShadowRulesSection(ResolveUserPath(options.decisions), 5);
  if (!options.model_detector.empty()) {
    absl::StatusOr<report::ModelComparison> compared = report::CompareModel(
        ResolveUserPath(options.decisions), ResolveUserPath(options.challenger),
        ResolveUserPath(options.events), options.model_detector,
        static_cast<int>(options.holdout_percent));
    if (!compared.ok()) return fail(compared.status());
    out << "\n" << report::RenderModelComparison(*compared);
  }
  for (const auto& [path, render] :
       {std::make_pair(options.html, &report::RenderHtml),
        std::make_pair(options.json, &report::RenderJsonSummary)}) {
    if (path.empty()) continue;
    absl::Status written = WriteFile(ResolveUserPath(path), render(input));
    if (!written.ok()) return fail(written);
    out << "wrote " << path << "\n";
  }
  return kExitOk;
}

int ReportMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<ReportOptions> options = ParseReportArgs(args);
  if (!options.ok()) {
    err << "riskflow report: " << options.status().message() << "\n\n"
        << kReportUsage;
    return kExitError;
  }
  return RunReport(*options, out, err);
}

absl::StatusOr<DiffOptions> ParseDiffArgs(
    const std::vector<std::string>& args) {
  DiffOptions options;
  std::string format = "auto";
  FlagSet flags("riskflow diff");
  flags.AddInt("max", &options.max,
               "changed decisions to print (0: counts only)", 0);
  AddFormatFlag(&flags, &format);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("needs two decision files, CHAMPION and CHALLENGER (got ",
                     positional->size(), ")"));
  }
  options.champion = (*positional)[0];
  options.challenger = (*positional)[1];
  absl::StatusOr<report::DecisionFormat> parsed =
      report::ParseDecisionFormat(format);
  if (!parsed.ok()) return parsed.status();
  options.format = *parsed;
  return options;
}

int RunDiff(const DiffOptions& options, std::ostream& out, std::ostream& err) {
  auto fail = [&err](const absl::Status& status) {
    err << "riskflow diff: " << status.message() << "\n";
    return kExitError;
  };
  absl::StatusOr<report::DecisionSet> champion =
      Load(options.champion, options.format);
  if (!champion.ok()) return fail(champion.status());
  absl::StatusOr<report::DecisionSet> challenger =
      Load(options.challenger, options.format);
  if (!challenger.ok()) return fail(challenger.status());
  const report::DiffResult diff = report::Diff(*champion, *challenger);
  absl::Status same =
      CheckSameStream(diff, options.champion, options.challenger);
  if (!same.ok()) return fail(same);

  const size_t shown =
      std::min(diff.changes.size(), static_cast<size_t>(options.max));
  for (size_t i = 0; i < shown; ++i) {
    const report::ChangedDecision& c = diff.changes[i];
    const report::DecisionRecord& a = champion->record(c.champion);
    const report::DecisionRecord& b = challenger->record(c.challenger);
    out << champion->id(c.champion) << "  " << report::SinkList(a);
    if (c.route_changed) out << " -> " << report::SinkList(b);
    out << (c.route_changed ? "" : " (reasons changed)") << "\n"
        << "  champion:   " << report::ReasonList(*champion, c.champion) << "\n"
        << "  challenger: " << report::ReasonList(*challenger, c.challenger)
        << "\n";
  }
  if (shown < diff.changes.size()) {
    out << "... " << diff.changes.size() - shown
        << " more changed decisions (--max)\n";
  }
  auto print_ids = [&](const char* side, const report::DecisionSet& set,
                       const std::vector<uint32_t>& ids) {
    if (ids.empty()) return;
    out << "only in " << side << " (" << ids.size() << "):";
    const size_t n = std::min(ids.size(), static_cast<size_t>(options.max));
    for (size_t i = 0; i < n; ++i) out << " " << set.id(ids[i]);
    if (n < ids.size()) out << " ...";
    out << "\n";
  };
  print_ids("champion", *champion, diff.only_in_champion);
  print_ids("challenger", *challenger, diff.only_in_challenger);
  out << "diff: " << diff.compared << " compared, " << diff.changed()
      << " changed (" << diff.route_changed << " route, "
      << diff.reasons_only_changed << " reasons only), "
      << diff.only_in_champion.size() << " only in champion, "
      << diff.only_in_challenger.size() << " only in challenger\n";
  return kExitOk;
}

int DiffMain(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<DiffOptions> options = ParseDiffArgs(args);
  if (!options.ok()) {
    err << "riskflow diff: " << options.status().message() << "\n\n"
        << kDiffUsage;
    return kExitError;
  }
  return RunDiff(*options, out, err);
}

}  // namespace riskflow::cli
