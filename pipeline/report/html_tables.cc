// The report's diff and label sections: tables only, no charts.
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/report/html_sections.h"
#include "pipeline/report/report_format.h"

namespace riskflow::report::html {
namespace {

std::string Num(int64_t value) { return Cell(absl::StrCat(value), true); }

std::string CountRow(const std::string& what, int64_t value) {
  return absl::StrCat("<tr>", Cell(what), Num(value), "</tr>\n");
}

// "showing the first 200 of 1234" when a list was cut.
std::string ShownNote(size_t shown, int64_t total) {
  if (static_cast<int64_t>(shown) >= total) return "";
  return absl::StrCat("<p class=\"note\">showing the first ", shown, " of ",
                      total, "</p>\n");
}

std::string IdList(const DecisionSet& set, const std::vector<uint32_t>& ids,
                   size_t max_listed, const std::string& title) {
  if (ids.empty()) return "";
  std::string out = absl::StrCat("<h3>", HtmlEscape(title), " (", ids.size(),
                                 ")</h3>\n<table><tbody>\n");
  for (size_t i = 0; i < ids.size() && i < max_listed; ++i) {
    absl::StrAppend(&out, "<tr>", Cell(std::string(set.id(ids[i]))), "</tr>\n");
  }
  return out + "</tbody></table>\n" +
         ShownNote(std::min(ids.size(), max_listed), ids.size());
}

std::string ConfusionRow(const std::string& what, const Confusion& c) {
  return absl::StrCat("<tr>", Cell(what), Num(c.true_positives),
                      Num(c.false_positives), Num(c.false_negatives),
                      Cell(FormatRatio(c.precision()), true),
                      Cell(FormatRatio(c.recall()), true),
                      Cell(FormatRatio(c.f1()), true), "</tr>\n");
}

constexpr char kConfusionHeader[] =
    "<table><thead><tr><th></th><th>true pos.</th><th>false pos.</th>"
    "<th>false neg.</th><th>precision</th><th>recall</th><th>F1</th></tr>"
    "</thead><tbody>\n";

std::string ListedTable(const DecisionSet& set,
                        const std::vector<ListedDecision>& listed,
                        int64_t total, const std::string& title) {
  std::string out =
      absl::StrCat("<h3>", HtmlEscape(title), " (", total, ")</h3>\n");
  if (listed.empty()) return out;
  out +=
      "<input class=\"filter\" placeholder=\"filter rows\">"
      "<table><thead><tr><th>decision</th><th>label</th><th>route</th>"
      "<th>reasons</th></tr></thead><tbody>\n";
  for (const ListedDecision& item : listed) {
    absl::StrAppend(&out, "<tr>", Cell(std::string(set.id(item.index))),
                    Cell(item.label), Cell(SinkList(set.record(item.index))),
                    Cell(ReasonList(set, item.index)), "</tr>\n");
  }
  return out + "</tbody></table>\n" + ShownNote(listed.size(), total);
}

std::string SideLabels(const ReportSide& side) {
  const LabelMetrics& m = *side.labels;
  const DecisionSet& set = *side.decisions;
  std::string out = absl::StrCat(
      "<h3>", side.name, "</h3>\n<p class=\"meta\">", m.scored,
      " events scored, ", m.fraud, " labelled fraud; ",
      m.events_without_decision, " events without a decision (",
      m.fraud_without_decision, " of them fraud), ", m.decisions_without_event,
      " decisions without an event</p>\n", kConfusionHeader,
      ConfusionRow("overall (any route but PASS)", m.overall));
  for (const auto& [route, c] : BySeverity(m.by_route)) {
    out += ConfusionRow(absl::StrCat("route ", RouteLabel(route)), c);
  }
  for (const auto& [detector, c] : m.by_detector) {
    out += ConfusionRow(absl::StrCat("detector ", detector), c);
  }
  out += "</tbody></table>\n";
  if (!m.by_scenario.empty()) {
    out +=
        "<table><thead><tr><th>scenario (label)</th><th>fraud</th>"
        "<th>caught</th><th>recall</th></tr></thead><tbody>\n";
    for (const auto& [scenario, counts] : m.by_scenario) {
      const double recall =
          counts.fraud == 0 ? 0.0
                            : static_cast<double>(counts.caught) / counts.fraud;
      absl::StrAppend(&out, "<tr>", Cell(scenario), Num(counts.fraud),
                      Num(counts.caught), Cell(FormatRatio(recall), true),
                      "</tr>\n");
    }
    out += "</tbody></table>\n";
  }
  return out +
         ListedTable(set, m.missed, m.missed_total,
                     side.name + ": missed (labelled fraud, routed PASS)") +
         ListedTable(set, m.wrong, m.wrong_total,
                     side.name + ": wrong (flagged, not labelled fraud)");
}

}  // namespace

std::string DiffSection(const ReportInput& input) {
  if (input.diff == nullptr || !input.challenger.has_value()) return "";
  const DiffResult& d = *input.diff;
  const DecisionSet& champion = *input.champion.decisions;
  const DecisionSet& challenger = *input.challenger->decisions;
  std::string out = absl::StrCat(
      "<h2 id=\"diff\">Champion vs challenger</h2>\n<table><tbody>\n",
      CountRow("decisions on both sides", d.compared),
      CountRow("changed", d.changed()),
      CountRow("route changed", d.route_changed),
      CountRow("reasons changed, same route", d.reasons_only_changed),
      CountRow("only in champion", d.only_in_champion.size()),
      CountRow("only in challenger", d.only_in_challenger.size()),
      "</tbody></table>\n");
  if (!d.transitions.empty()) {
    out +=
        "<table><thead><tr><th>champion route</th><th>challenger route</th>"
        "<th>decisions</th></tr></thead><tbody>\n";
    for (const auto& [routes, count] : d.transitions) {
      absl::StrAppend(&out, "<tr>", Cell(RouteLabel(routes.first)),
                      Cell(RouteLabel(routes.second)), Num(count), "</tr>\n");
    }
    out += "</tbody></table>\n";
  }
  if (!d.changes.empty()) {
    out +=
        "<h3>Changed decisions</h3>\n<input class=\"filter\" "
        "placeholder=\"filter rows\"><table><thead><tr><th>decision</th>"
        "<th>event time</th><th>champion route</th><th>champion reasons</th>"
        "<th>challenger route</th><th>challenger reasons</th></tr></thead>"
        "<tbody>\n";
    const size_t shown = std::min(d.changes.size(), input.max_listed);
    for (size_t i = 0; i < shown; ++i) {
      const ChangedDecision& c = d.changes[i];
      const DecisionRecord& a = champion.record(c.champion);
      const DecisionRecord& b = challenger.record(c.challenger);
      absl::StrAppend(
          &out, c.route_changed ? "<tr class=\"changed\">" : "<tr>",
          Cell(std::string(champion.id(c.champion))),
          Cell(a.event_time_ms > 0 ? FormatTimeMs(a.event_time_ms) : ""),
          Cell(SinkList(a)), Cell(ReasonList(champion, c.champion)),
          Cell(SinkList(b)), Cell(ReasonList(challenger, c.challenger)),
          "</tr>\n");
    }
    out += "</tbody></table>\n" + ShownNote(shown, d.changed());
  }
  return out +
         IdList(champion, d.only_in_champion, input.max_listed,
                "Only in champion") +
         IdList(challenger, d.only_in_challenger, input.max_listed,
                "Only in challenger");
}

std::string LabelsSection(const ReportInput& input) {
  if (input.champion.labels == nullptr) return "";
  std::string out =
      "<h2 id=\"labels\">Against labels</h2>\n<p class=\"note\">An event is "
      "fraud when its label attribute is set and not 0/false/benign/none. "
      "A detector flags an event when it annotates it with a route other "
      "than PASS; a route, when the decision reaches that sink. Precision, "
      "recall and F1 are 0 when undefined.</p>\n";
  out += SideLabels(input.champion);
  if (input.challenger.has_value() && input.challenger->labels != nullptr) {
    out += SideLabels(*input.challenger);
  }
  return out;
}

}  // namespace riskflow::report::html
