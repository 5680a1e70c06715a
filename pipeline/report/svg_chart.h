// Inline SVG charts for the HTML report, drawn here rather than by a chart
// library so the page needs nothing from the network and renders the same
// in any browser or mail client that shows SVG.
#ifndef RISKFLOW_PIPELINE_REPORT_SVG_CHART_H_
#define RISKFLOW_PIPELINE_REPORT_SVG_CHART_H_

#include <string>
#include <vector>

namespace riskflow::report {

struct ChartSeries {
  std::string name;
  std::string color;  // CSS colour, e.g. "#c0392b"
  std::vector<double> values;
  bool dashed = false;  // the challenger, drawn over the champion
};

// One line per series over evenly spaced x positions (time bins).
struct LineChartSpec {
  std::string title;
  std::vector<std::string> x_labels;  // one per point
  std::vector<ChartSeries> series;
  int width = 900;
  int height = 280;
};
std::string RenderLineChart(const LineChartSpec& spec);

// Horizontal grouped bars: one group per category (detector), one bar per
// series (champion / challenger) in each group.
struct BarChartSpec {
  std::string title;
  std::vector<std::string> categories;
  std::vector<ChartSeries> series;  // values indexed like categories
  int width = 900;
};
std::string RenderBarChart(const BarChartSpec& spec);

// The smallest 1, 2 or 5 x 10^k that is >= value (>= 1), for axis maxima.
double NiceCeiling(double value);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_SVG_CHART_H_
