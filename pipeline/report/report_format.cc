#include "pipeline/report/report_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace riskflow::report {

std::string FormatTimeMs(int64_t time_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(time_ms),
                          absl::UTCTimeZone());
}

std::string FormatAxisTime(int64_t time_ms, bool seconds) {
  return absl::FormatTime(seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M",
                          absl::FromUnixMillis(time_ms), absl::UTCTimeZone());
}

std::string FormatRatio(double value) { return absl::StrFormat("%.4f", value); }

std::string FormatDelta(int64_t delta) {
  return delta > 0 ? absl::StrCat("+", delta) : absl::StrCat(delta);
}

std::vector<RouteId> RoutesToShow(
    const std::array<int64_t, kMaxRouteId + 1>& counts) {
  std::vector<RouteId> routes(std::begin(kRoutesBySeverity),
                              std::end(kRoutesBySeverity));
  for (int r = 0; r <= kMaxRouteId; ++r) {
    const RouteId route = static_cast<RouteId>(r);
    if (counts[r] != 0 &&
        std::find(routes.begin(), routes.end(), route) == routes.end()) {
      routes.push_back(route);
    }
  }
  return routes;
}

}  // namespace riskflow::report
