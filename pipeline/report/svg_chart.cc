#include "pipeline/report/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pipeline/report/report_format.h"

namespace riskflow::report {
namespace {

constexpr int kLeft = 64;
constexpr int kRight = 16;
constexpr int kTop = 34;  // below the title; legends add to it
constexpr int kBottom = 44;

std::string Count(double value) { return absl::StrFormat("%.0f", value); }

// No xmlns: inline SVG in HTML5 does not need it, and the page promises
// not to mention any URL.
std::string SvgOpen(int width, int height, const std::string& title) {
  return absl::StrFormat(
      "<svg class=\"chart\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n"
      "<text x=\"%d\" y=\"18\" class=\"chart-title\">%s</text>\n",
      width, height, width, height, HtmlEscape(title), kLeft,
      HtmlEscape(title));
}

// Colour keys left to right under the title, wrapping at the chart's
// width; returns the markup and how far down it reaches. Line charts get a
// line swatch (dashed for the challenger), bar charts a block.
struct LegendBox {
  std::string svg;
  int bottom = 0;
};
LegendBox Legend(const std::vector<ChartSeries>& series, int width,
                 bool lines) {
  LegendBox box;
  int x = kLeft;
  int y = 28;
  for (const ChartSeries& s : series) {
    // ~8px per character at 12px: generous, so entries never overlap.
    const int entry_w = 26 + 8 * static_cast<int>(s.name.size()) + 14;
    if (x + entry_w > width - kRight && x > kLeft) {
      x = kLeft;
      y += 16;
    }
    if (lines) {
      absl::StrAppendFormat(
          &box.svg,
          "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
          "stroke-width=\"2\"%s/>",
          x, x + 20, y + 6, y + 6, HtmlEscape(s.color),
          s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    } else {
      absl::StrAppendFormat(
          &box.svg,
          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/>",
          x + 4, y + 1, HtmlEscape(s.color));
    }
    absl::StrAppendFormat(
        &box.svg, "<text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>\n",
        x + 26, y + 10, HtmlEscape(s.name));
    x += entry_w;
  }
  box.bottom = y + 16;
  return box;
}

int LeadingDigit(double value) {
  return static_cast<int>(
      value / std::pow(10.0, std::floor(std::log10(value))) + 0.5);
}

double MaxValue(const std::vector<ChartSeries>& series) {
  double max = 0;
  for (const ChartSeries& s : series) {
    for (double v : s.values) max = std::max(max, v);
  }
  return max;
}

}  // namespace

double NiceCeiling(double value) {
  if (value <= 1) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

std::string RenderLineChart(const LineChartSpec& spec) {
  const LegendBox legend = Legend(spec.series, spec.width, /*lines=*/true);
  const int top = std::max(kTop, legend.bottom + 8);
  const int plot_w = spec.width - kLeft - kRight;
  const int plot_h = spec.height - top - kBottom;
  const size_t n = spec.x_labels.size();
  const double y_max = NiceCeiling(MaxValue(spec.series));
  auto x_at = [&](size_t i) {
    return kLeft + (i + 0.5) * plot_w / std::max<size_t>(n, 1);
  };
  auto y_at = [&](double v) { return top + plot_h - v / y_max * plot_h; };

  std::string svg = SvgOpen(spec.width, spec.height, spec.title);
  // Horizontal grid lines at whole, round steps: 1-2-5 maxima split into
  // 5, 4 or 5 parts (10 -> 2s, 20 -> 5s, 50 -> 10s); tiny maxima by ones.
  const int intervals = y_max < 5                  ? static_cast<int>(y_max)
                        : LeadingDigit(y_max) == 2 ? 4
                                                   : 5;
  for (int tick = 0; tick <= intervals; ++tick) {
    const double v = y_max * tick / intervals;
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
        "<text x=\"%d\" y=\"%.1f\" class=\"axis\" text-anchor=\"end\">%s"
        "</text>\n",
        kLeft, kLeft + plot_w, y_at(v), y_at(v), kLeft - 6, y_at(v) + 4,
        Count(v));
  }
  // About eight x labels, whatever the number of bins.
  const size_t every = std::max<size_t>(1, (n + 7) / 8);
  for (size_t i = 0; i < n; i += every) {
    absl::StrAppendFormat(
        &svg,
        "<text x=\"%.1f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%s"
        "</text>\n",
        x_at(i), top + plot_h + 16, HtmlEscape(spec.x_labels[i]));
  }
  for (const ChartSeries& s : spec.series) {
    std::string points;
    for (size_t i = 0; i < s.values.size() && i < n; ++i) {
      absl::StrAppendFormat(&points, "%s%.1f,%.1f", i == 0 ? "" : " ", x_at(i),
                            y_at(s.values[i]));
    }
    absl::StrAppendFormat(
        &svg,
        "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
        "points=\"%s\"/>\n",
        HtmlEscape(s.color), s.dashed ? " stroke-dasharray=\"6 4\"" : "",
        points);
    // Dots carry the exact numbers as hover titles.
    for (size_t i = 0; i < s.values.size() && i < n; ++i) {
      absl::StrAppendFormat(
          &svg,
          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>%s "
          "%s: %s</title></circle>\n",
          x_at(i), y_at(s.values[i]), HtmlEscape(s.color), HtmlEscape(s.name),
          HtmlEscape(spec.x_labels[i]), Count(s.values[i]));
    }
  }
  absl::StrAppend(&svg, legend.svg, "</svg>\n");
  return svg;
}

std::string RenderBarChart(const BarChartSpec& spec) {
  constexpr int kLabelWidth = 190;
  constexpr int kBarHeight = 12;
  constexpr int kGap = 8;
  const LegendBox legend = Legend(spec.series, spec.width, /*lines=*/false);
  const int top = std::max(kTop, legend.bottom + 8);
  const int group_h =
      static_cast<int>(spec.series.size()) * (kBarHeight + 2) + kGap;
  const int height =
      top + group_h * static_cast<int>(spec.categories.size()) + 10;
  const int plot_w = spec.width - kLabelWidth - kRight - 60;
  const double max = NiceCeiling(MaxValue(spec.series));

  std::string svg = SvgOpen(spec.width, height, spec.title);
  for (size_t c = 0; c < spec.categories.size(); ++c) {
    const int y = top + static_cast<int>(c) * group_h;
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" class=\"axis\" "
                          "text-anchor=\"end\">%s</text>\n",
                          kLabelWidth - 8, y + kBarHeight,
                          HtmlEscape(spec.categories[c]));
    for (size_t s = 0; s < spec.series.size(); ++s) {
      const double v =
          c < spec.series[s].values.size() ? spec.series[s].values[c] : 0;
      const int bar_y = y + static_cast<int>(s) * (kBarHeight + 2);
      const double w = v / max * plot_w;
      absl::StrAppendFormat(
          &svg,
          "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
          "<title>%s %s: %s</title></rect>"
          "<text x=\"%.1f\" y=\"%d\" class=\"axis\">%s</text>\n",
          kLabelWidth, bar_y, w, kBarHeight, HtmlEscape(spec.series[s].color),
          HtmlEscape(spec.categories[c]), HtmlEscape(spec.series[s].name),
          Count(v), kLabelWidth + w + 4, bar_y + kBarHeight - 2, Count(v));
    }
  }
  absl::StrAppend(&svg, legend.svg, "</svg>\n");
  return svg;
}

}  // namespace riskflow::report
