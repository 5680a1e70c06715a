// RenderTerminalSummary: what an analyst reads first, in 80 columns.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "pipeline/report/report.h"
#include "pipeline/report/report_format.h"

namespace riskflow::report {
namespace {

constexpr size_t kTopDetectors = 10;

std::string LabelLine(const ReportSide& side) {
  const LabelMetrics& m = *side.labels;
  const Confusion& c = m.overall;
  return absl::StrFormat(
      "labels (%s): precision %s  recall %s  F1 %s  (tp %d, fp %d, fn %d; "
      "%d fraud of %d scored; missed %d, wrong %d)\n",
      side.name, FormatRatio(c.precision()), FormatRatio(c.recall()),
      FormatRatio(c.f1()), c.true_positives, c.false_positives,
      c.false_negatives, m.fraud, m.scored, m.missed_total, m.wrong_total);
}

int64_t Flagged(const DecisionStats& stats, const std::string& detector) {
  auto it = stats.by_detector.find(detector);
  return it == stats.by_detector.end() ? 0 : it->second.flagged;
}

// Pipeline versions are sha256 hex; 12 digits identify one in a terminal.
std::string ShortVersions(const std::vector<std::string>& versions) {
  std::vector<std::string> short_versions;
  for (const std::string& v : versions)
    short_versions.push_back(v.substr(0, 12));
  return absl::StrJoin(short_versions, ", ");
}

}  // namespace

std::string RenderTerminalSummary(const ReportInput& input) {
  const ReportSide& champion = input.champion;
  const ReportSide* challenger =
      input.challenger.has_value() ? &*input.challenger : nullptr;
  std::string out;
  for (const ReportSide* side : {&champion, challenger}) {
    if (side == nullptr) continue;
    absl::StrAppendFormat(&out, "%-10s %s: %d decisions", side->name,
                          side->decisions->source(), side->stats.total);
    if (!side->decisions->pipeline_versions().empty()) {
      absl::StrAppend(&out, " (pipeline ",
                      ShortVersions(side->decisions->pipeline_versions()), ")");
    }
    if (side->decisions->duplicates() > 0) {
      absl::StrAppend(&out, ", ", side->decisions->duplicates(),
                      " repeated ids ignored");
    }
    out += "\n";
  }

  absl::StrAppendFormat(&out, "\n%-16s %12s", "route", "champion");
  if (challenger != nullptr) {
    absl::StrAppendFormat(&out, " %12s %8s", "challenger", "delta");
  }
  out += "\n";
  std::array<int64_t, kMaxRouteId + 1> all = champion.stats.by_route;
  if (challenger != nullptr) {
    for (int r = 0; r <= kMaxRouteId; ++r)
      all[r] += challenger->stats.by_route[r];
  }
  for (RouteId route : RoutesToShow(all)) {
    const int64_t mine = champion.stats.by_route[route];
    absl::StrAppendFormat(&out, "%-16s %12d", RouteLabel(route), mine);
    if (challenger != nullptr) {
      const int64_t theirs = challenger->stats.by_route[route];
      absl::StrAppendFormat(&out, " %12d %8s", theirs,
                            FormatDelta(theirs - mine));
    }
    out += "\n";
  }

  // The champion's detectors by hits, then any only the challenger runs.
  std::vector<std::string> names;
  for (const auto& [name, counts] : TopDetectors(champion.stats)) {
    names.push_back(name);
  }
  if (challenger != nullptr) {
    for (const auto& [name, counts] : TopDetectors(challenger->stats)) {
      if (!champion.stats.by_detector.count(name)) names.push_back(name);
    }
  }
  if (!names.empty()) {
    absl::StrAppendFormat(&out, "\n%-24s %12s", "top detectors (flagged)",
                          "champion");
    if (challenger != nullptr)
      absl::StrAppendFormat(&out, " %12s", "challenger");
    out += "\n";
    for (size_t i = 0; i < names.size() && i < kTopDetectors; ++i) {
      absl::StrAppendFormat(&out, "%-24s %12d", names[i],
                            Flagged(champion.stats, names[i]));
      if (challenger != nullptr) {
        absl::StrAppendFormat(&out, " %12d",
                              Flagged(challenger->stats, names[i]));
      }
      out += "\n";
    }
    if (names.size() > kTopDetectors) {
      absl::StrAppend(&out, "(", names.size() - kTopDetectors,
                      " more detectors in the HTML and JSON outputs)\n");
    }
  }

  if (input.diff != nullptr && challenger != nullptr) {
    const DiffResult& d = *input.diff;
    absl::StrAppendFormat(
        &out,
        "\ndiff: %d compared, %d changed (%d route, %d reasons only), %d only "
        "in champion, %d only in challenger\n",
        d.compared, d.changed(), d.route_changed, d.reasons_only_changed,
        d.only_in_champion.size(), d.only_in_challenger.size());
    for (const auto& [routes, count] : d.transitions) {
      absl::StrAppendFormat(&out, "  %s -> %s: %d\n", RouteLabel(routes.first),
                            RouteLabel(routes.second), count);
    }
  }

  if (champion.labels != nullptr) out += "\n" + LabelLine(champion);
  if (challenger != nullptr && challenger->labels != nullptr) {
    out += LabelLine(*challenger);
  }
  return out;
}

}  // namespace riskflow::report
