#include "pipeline/report/stats.h"

#include <algorithm>
#include <limits>

namespace riskflow::report {
namespace {

// Non-negative remainder, so bins align the same way before 1970.
int64_t Mod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

}  // namespace

DecisionStats ComputeStats(const DecisionSet& set) {
  DecisionStats stats;
  const ReasonTable& reasons = set.reasons();
  std::vector<DetectorCounts> by_detector_id(reasons.detector_count());
  // Per-decision marks, so a detector with two annotations counts once;
  // generation numbers avoid clearing the vector for every decision.
  std::vector<size_t> annotated_at(reasons.detector_count(), SIZE_MAX);
  std::vector<size_t> flagged_at(reasons.detector_count(), SIZE_MAX);
  int64_t min_time = std::numeric_limits<int64_t>::max();
  int64_t max_time = std::numeric_limits<int64_t>::min();

  for (size_t i = 0; i < set.size(); ++i) {
    const DecisionRecord& r = set.record(i);
    ++stats.total;
    ++stats.by_route[r.route];
    for (int route = 0; route <= kMaxRouteId; ++route) {
      if (r.routes_mask & (1u << route)) ++stats.by_sink[route];
    }
    if (r.late) ++stats.late;
    if (r.event_time_ms > 0) {
      min_time = std::min(min_time, r.event_time_ms);
      max_time = std::max(max_time, r.event_time_ms);
    } else {
      ++stats.without_time;
    }
    bool degraded = false;
    bool suppressed = false;
    for (const AnnotationRef& a : set.annotations(i)) {
      const uint32_t detector = reasons.detector_of(a.reason);
      if (annotated_at[detector] != i) {
        annotated_at[detector] = i;
        ++by_detector_id[detector].annotated;
      }
      if (IsFlaggingRoute(a.route) && flagged_at[detector] != i) {
        flagged_at[detector] = i;
        ++by_detector_id[detector].flagged;
      }
      degraded |= a.degraded;
      suppressed |= IsFlaggingRoute(a.suppressed_route);
    }
    if (degraded) ++stats.degraded;
    if (suppressed) ++stats.suppressed;
  }
  if (min_time <= max_time) {
    stats.min_time_ms = min_time;
    stats.max_time_ms = max_time;
  }
  for (uint32_t d = 0; d < by_detector_id.size(); ++d) {
    stats.by_detector[reasons.detector_name(d)] = by_detector_id[d];
  }
  return stats;
}

std::vector<std::pair<std::string, DetectorCounts>> TopDetectors(
    const DecisionStats& stats) {
  std::vector<std::pair<std::string, DetectorCounts>> top(
      stats.by_detector.begin(), stats.by_detector.end());
  std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
    return a.second.flagged > b.second.flagged;
  });
  return top;
}

TimeAxis ChooseTimeAxis(int64_t min_time_ms, int64_t max_time_ms,
                        int max_bins) {
  TimeAxis axis;
  if (max_bins < 1 || max_time_ms < min_time_ms) return axis;
  constexpr int64_t kSecond = 1000;
  constexpr int64_t kMinute = 60 * kSecond;
  constexpr int64_t kHour = 60 * kMinute;
  constexpr int64_t kDay = 24 * kHour;
  constexpr int64_t kWidths[] = {
      kSecond,     5 * kSecond,  10 * kSecond, 30 * kSecond, kMinute,
      5 * kMinute, 10 * kMinute, 15 * kMinute, 30 * kMinute, kHour,
      3 * kHour,   6 * kHour,    12 * kHour,   kDay,         7 * kDay};
  auto bins_for = [&](int64_t width) {
    const int64_t start = min_time_ms - Mod(min_time_ms, width);
    return (max_time_ms - start) / width + 1;
  };
  int64_t width = 0;
  for (int64_t candidate : kWidths) {
    if (bins_for(candidate) <= max_bins) {
      width = candidate;
      break;
    }
  }
  // Beyond weeks: whole weeks, as many as needed.
  if (width == 0) {
    const int64_t weeks = (max_time_ms - min_time_ms) / (7 * kDay) / max_bins;
    width = (weeks + 1) * 7 * kDay;
    while (bins_for(width) > max_bins) width += 7 * kDay;
  }
  axis.bin_ms = width;
  axis.start_ms = min_time_ms - Mod(min_time_ms, width);
  axis.bins = static_cast<int>(bins_for(width));
  return axis;
}

TimeSeries BinByEventTime(const DecisionSet& set, const TimeAxis& axis) {
  TimeSeries series;
  series.axis = axis;
  for (RouteId route : kRoutesBySeverity) {
    series.by_route[route].assign(axis.bins, 0);
  }
  if (axis.bins == 0) return series;
  for (size_t i = 0; i < set.size(); ++i) {
    const DecisionRecord& r = set.record(i);
    if (r.event_time_ms <= 0 || r.event_time_ms < axis.start_ms) continue;
    const int64_t bin = (r.event_time_ms - axis.start_ms) / axis.bin_ms;
    if (bin >= axis.bins) continue;
    auto it = series.by_route.find(r.route);
    if (it != series.by_route.end()) ++it->second[bin];
  }
  return series;
}

}  // namespace riskflow::report
