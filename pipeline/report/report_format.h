// Small formatting helpers shared by the renderers.
#ifndef RISKFLOW_PIPELINE_REPORT_REPORT_FORMAT_H_
#define RISKFLOW_PIPELINE_REPORT_REPORT_FORMAT_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/report/decision_set.h"

#include "pipeline/text/html_escape.h"

namespace riskflow::report {

using text::HtmlEscape;

// "2026-01-01T00:00:00.000Z".
std::string FormatTimeMs(int64_t time_ms);
// "2026-01-01 00:00" (or with seconds when `seconds`), for chart axes.
std::string FormatAxisTime(int64_t time_ms, bool seconds);

// Fixed 4 decimals: stable text for JSON and tests ("0.6667").
std::string FormatRatio(double value);

// "+3", "-2", "0".
std::string FormatDelta(int64_t delta);

// The four named routes in severity order, plus any other route with a
// non-zero count (e.g. ROUTE_UNSPECIFIED from a broken writer).
std::vector<RouteId> RoutesToShow(
    const std::array<int64_t, kMaxRouteId + 1>& counts);

// A route-keyed map's entries, most severe route first (maps iterate by
// route number, which is least severe first).
template <typename T>
std::vector<std::pair<RouteId, T>> BySeverity(const std::map<RouteId, T>& m) {
  return std::vector<std::pair<RouteId, T>>(m.rbegin(), m.rend());
}

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_REPORT_FORMAT_H_
