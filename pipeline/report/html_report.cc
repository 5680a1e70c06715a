// RenderHtml: one file, no external references. CSS and SVG are inline and
// the only script is a few lines that filter long tables.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pipeline/report/html_sections.h"
#include "pipeline/report/report.h"
#include "pipeline/report/report_format.h"
#include "pipeline/report/svg_chart.h"

namespace riskflow::report {
namespace {

constexpr char kStyle[] = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin-top:20px}.meta{color:#555;margin:2px 0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.changed td{background:#fff8e6}.note{color:#666;font-size:12px}
nav a{margin-right:14px}code{font-size:12px}
svg.chart{display:block;margin:8px 0 18px;background:#fff}
svg .grid{stroke:#e5e5e5}svg .axis{font-size:11px;fill:#555}
svg .legend{font-size:12px;fill:#333}svg .chart-title{font-size:13px;font-weight:600;fill:#222}
input.filter{margin:4px 0;padding:3px 6px;width:320px}
)css";

// Filters the rows of the table after each input.filter as you type.
constexpr char kScript[] = R"js(
document.querySelectorAll('input.filter').forEach(function(box){
  var table=box.nextElementSibling;
  box.addEventListener('input',function(){
    var q=box.value.toLowerCase();
    table.querySelectorAll('tbody tr').forEach(function(row){
      row.style.display=row.textContent.toLowerCase().indexOf(q)<0?'none':'';
    });
  });
});
)js";

std::string RouteColor(RouteId route) {
  switch (route) {
    case riskflow::v1::FREEZE:
      return "#c0392b";
    case riskflow::v1::MANUAL_REVIEW:
      return "#e67e22";
    case riskflow::v1::NOTIFY:
      return "#2980b9";
    case riskflow::v1::PASS:
      return "#7f8c8d";
    default:
      return "#8e44ad";
  }
}

std::string BinWidthText(int64_t bin_ms) {
  if (bin_ms % (24 * 3600 * 1000LL) == 0) {
    return absl::StrCat(bin_ms / (24 * 3600 * 1000LL), " d");
  }
  if (bin_ms % (3600 * 1000LL) == 0)
    return absl::StrCat(bin_ms / 3600000, " h");
  if (bin_ms % (60 * 1000LL) == 0) return absl::StrCat(bin_ms / 60000, " min");
  return absl::StrCat(bin_ms / 1000, " s");
}

std::string SideMeta(const ReportSide& side) {
  const DecisionStats& s = side.stats;
  std::string versions =
      side.decisions->pipeline_versions().empty()
          ? "unknown"
          : absl::StrJoin(side.decisions->pipeline_versions(), ", ");
  std::string out = absl::StrCat(
      "<p class=\"meta\"><b>", side.name, "</b>: <code>",
      HtmlEscape(side.decisions->source()), "</code> &middot; pipeline ",
      HtmlEscape(versions), " &middot; ", s.total, " decisions");
  if (s.total > s.without_time) {
    absl::StrAppend(&out, " &middot; event time ", FormatTimeMs(s.min_time_ms),
                    " to ", FormatTimeMs(s.max_time_ms));
  }
  if (side.decisions->duplicates() > 0) {
    absl::StrAppend(&out, " &middot; <b>", side.decisions->duplicates(),
                    " repeated decision ids ignored</b>");
  }
  if (s.late > 0) absl::StrAppend(&out, " &middot; ", s.late, " late");
  if (s.degraded > 0) {
    absl::StrAppend(&out, " &middot; ", s.degraded, " degraded");
  }
  return out + "</p>\n";
}

std::string RouteTable(const ReportInput& input) {
  const ReportSide* challenger =
      input.challenger.has_value() ? &*input.challenger : nullptr;
  std::string out = "<table><thead><tr>" + html::Header("route") +
                    html::Header("champion") + html::Header("champion sinks");
  if (challenger != nullptr) {
    out += html::Header("challenger") + html::Header("challenger sinks") +
           html::Header("delta");
  }
  out += "</tr></thead><tbody>\n";
  std::array<int64_t, kMaxRouteId + 1> all = input.champion.stats.by_route;
  if (challenger != nullptr) {
    for (int r = 0; r <= kMaxRouteId; ++r)
      all[r] += challenger->stats.by_route[r];
  }
  for (RouteId route : RoutesToShow(all)) {
    const int64_t mine = input.champion.stats.by_route[route];
    absl::StrAppend(
        &out, "<tr>", html::Cell(RouteLabel(route)),
        html::Cell(absl::StrCat(mine), true),
        html::Cell(absl::StrCat(input.champion.stats.by_sink[route]), true));
    if (challenger != nullptr) {
      const int64_t theirs = challenger->stats.by_route[route];
      absl::StrAppend(
          &out, html::Cell(absl::StrCat(theirs), true),
          html::Cell(absl::StrCat(challenger->stats.by_sink[route]), true),
          html::Cell(FormatDelta(theirs - mine), true));
    }
    out += "</tr>\n";
  }
  return out +
         "</tbody></table>\n<p class=\"note\">route: the most severe route "
         "of each decision (sums to the total); sinks: every sink a decision "
         "reaches.</p>\n";
}

std::string TimelineSection(const ReportInput& input) {
  const TimeAxis& axis = input.champion.series.axis;
  if (axis.bins == 0) {
    return "<h2 id=\"timeline\">Decisions over event time</h2>\n"
           "<p>No decision carries an event time.</p>\n";
  }
  std::vector<std::string> labels;
  for (int i = 0; i < axis.bins; ++i) {
    labels.push_back(FormatAxisTime(axis.start_ms + i * axis.bin_ms,
                                    axis.bin_ms < 60 * 1000));
  }
  LineChartSpec flagged{"Flagged decisions per bin, by route", labels, {}};
  LineChartSpec volume{"All decisions per bin", labels, {}};
  std::vector<const ReportSide*> sides = {&input.champion};
  if (input.challenger.has_value()) sides.push_back(&*input.challenger);
  for (const ReportSide* side : sides) {
    const bool dashed = side != &input.champion;
    std::vector<double> total(axis.bins, 0);
    for (RouteId route : kRoutesBySeverity) {
      const std::vector<int64_t>& counts = side->series.by_route.at(route);
      std::vector<double> values(counts.begin(), counts.end());
      for (int i = 0; i < axis.bins; ++i) total[i] += values[i];
      if (!IsFlaggingRoute(route)) continue;
      flagged.series.push_back(
          {sides.size() > 1
               ? absl::StrCat(RouteLabel(route), " (", side->name, ")")
               : RouteLabel(route),
           RouteColor(route), std::move(values), dashed});
    }
    volume.series.push_back(
        {side->name, dashed ? "#16a085" : "#34495e", std::move(total), dashed});
  }
  return absl::StrCat(
      "<h2 id=\"timeline\">Decisions over event time</h2>\n"
      "<p class=\"note\">bins of ",
      BinWidthText(axis.bin_ms), " (UTC) from ", FormatTimeMs(axis.start_ms),
      "; the challenger is dashed.</p>\n", RenderLineChart(flagged),
      RenderLineChart(volume));
}

std::string DetectorSection(const ReportInput& input) {
  std::vector<std::string> names;
  for (const auto& [name, counts] : TopDetectors(input.champion.stats)) {
    names.push_back(name);
  }
  if (input.challenger.has_value()) {
    for (const auto& [name, counts] : input.challenger->stats.by_detector) {
      if (!input.champion.stats.by_detector.count(name)) names.push_back(name);
    }
  }
  std::string out = "<h2 id=\"detectors\">Hits per detector</h2>\n";
  if (names.empty())
    return out + "<p>No detector annotated any decision.</p>\n";
  BarChartSpec chart{
      "Decisions flagged (annotated with a non-PASS route)", names, {}};
  std::vector<const ReportSide*> sides = {&input.champion};
  if (input.challenger.has_value()) sides.push_back(&*input.challenger);
  std::string table = "<table><thead><tr>" + html::Header("detector");
  for (const ReportSide* side : sides) {
    table += html::Header(side->name + " annotated") +
             html::Header(side->name + " flagged");
    ChartSeries series{
        side->name, side == &input.champion ? "#2c3e50" : "#16a085", {}};
    for (const std::string& name : names) {
      auto it = side->stats.by_detector.find(name);
      series.values.push_back(
          it == side->stats.by_detector.end() ? 0 : it->second.flagged);
    }
    chart.series.push_back(std::move(series));
  }
  table += "</tr></thead><tbody>\n";
  for (const std::string& name : names) {
    table += "<tr>" + html::Cell(name);
    for (const ReportSide* side : sides) {
      auto it = side->stats.by_detector.find(name);
      const DetectorCounts counts =
          it == side->stats.by_detector.end() ? DetectorCounts() : it->second;
      table += html::Cell(absl::StrCat(counts.annotated), true) +
               html::Cell(absl::StrCat(counts.flagged), true);
    }
    table += "</tr>\n";
  }
  return out + RenderBarChart(chart) + table + "</tbody></table>\n";
}

}  // namespace

namespace html {

std::string Cell(const std::string& text, bool numeric) {
  return absl::StrCat(numeric ? "<td class=\"num\">" : "<td>", HtmlEscape(text),
                      "</td>");
}

std::string Header(const std::string& text) {
  return absl::StrCat("<th>", HtmlEscape(text), "</th>");
}

}  // namespace html

std::string RenderHtml(const ReportInput& input) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>riskflow replay report</title>\n<style>",
      kStyle, "</style>\n</head>\n<body>\n<h1>riskflow replay report</h1>\n",
      SideMeta(input.champion));
  if (input.challenger.has_value()) out += SideMeta(*input.challenger);
  out +=
      "<nav><a href=\"#routes\">Routes</a><a href=\"#timeline\">Timeline</a>"
      "<a href=\"#detectors\">Detectors</a>";
  if (input.diff != nullptr) out += "<a href=\"#diff\">Diff</a>";
  if (input.champion.labels != nullptr) out += "<a href=\"#labels\">Labels</a>";
  out += "</nav>\n<h2 id=\"routes\">Decisions per route</h2>\n";
  absl::StrAppend(&out, RouteTable(input), TimelineSection(input),
                  DetectorSection(input), html::DiffSection(input),
                  html::LabelsSection(input), "<script>", kScript,
                  "</script>\n</body>\n</html>\n");
  return out;
}

}  // namespace riskflow::report
