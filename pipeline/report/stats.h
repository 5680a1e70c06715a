// Counts over one decision set: per route, per sink, per detector, and the
// decisions binned over event time for the report's charts.
#ifndef RISKFLOW_PIPELINE_REPORT_STATS_H_
#define RISKFLOW_PIPELINE_REPORT_STATS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/report/decision_set.h"

namespace riskflow::report {

struct DetectorCounts {
  int64_t annotated = 0;  // decisions the detector annotated at all
  int64_t flagged = 0;    // ... with a route other than PASS
};

struct DecisionStats {
  int64_t total = 0;
  // By the most severe route; sums to total.
  std::array<int64_t, kMaxRouteId + 1> by_route{};
  // By every sink a decision reaches; a FREEZE+NOTIFY decision counts twice.
  std::array<int64_t, kMaxRouteId + 1> by_sink{};
  // Keyed by name so every rendering lists detectors in the same order.
  std::map<std::string, DetectorCounts> by_detector;
  int64_t late = 0;
  int64_t degraded = 0;      // decisions with a degraded annotation
  int64_t suppressed = 0;    // decisions with an allow-listed annotation
  int64_t without_time = 0;  // event_time_ms <= 0; left out of the charts
  int64_t min_time_ms = 0;   // over decisions with a time; 0 when none
  int64_t max_time_ms = 0;
};

DecisionStats ComputeStats(const DecisionSet& set);

// Detectors by flagged count, most first (ties by name).
std::vector<std::pair<std::string, DetectorCounts>> TopDetectors(
    const DecisionStats& stats);

// Equal-width bins over event time. The width is a round duration (1s, 5m,
// 1h, 1d, ...) so the axis labels read naturally, chosen to give at most
// `max_bins` bins; start is aligned down to a multiple of the width.
struct TimeAxis {
  int64_t start_ms = 0;
  int64_t bin_ms = 0;
  int bins = 0;
};
TimeAxis ChooseTimeAxis(int64_t min_time_ms, int64_t max_time_ms,
                        int max_bins = 60);

struct TimeSeries {
  TimeAxis axis;
  // Decisions per bin by most severe route, for kRoutesBySeverity.
  std::map<RouteId, std::vector<int64_t>> by_route;
};

// Decisions without an event time are skipped (counted in the stats).
TimeSeries BinByEventTime(const DecisionSet& set, const TimeAxis& axis);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_STATS_H_
