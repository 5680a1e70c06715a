#include "pipeline/common/logger.h"
#include "pipeline/engine/watchdog.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace riskflow::engine {

Watchdog::Watchdog(std::vector<plugin_host::CrashMarker*> markers,
                   const WatchdogOptions& options, Report on_hung,
                   std::function<void()> on_recovered)
    : markers_(std::move(markers)),
      options_(options),
      on_hung_(std::move(on_hung)),
      on_recovered_(std::move(on_recovered)) {
  if (options_.budget_multiple > 0) {
    thread_ = std::thread([this] { Loop(); });
  }
}

Watchdog::~Watchdog() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::Watch(const std::vector<plugin_host::CrashMarker*>& more) {
  absl::MutexLock lock(&mu_);
  markers_.insert(markers_.end(), more.begin(), more.end());
}

void Watchdog::Loop() {
  const int64_t floor_ns = absl::ToInt64Nanoseconds(options_.floor);
  while (!stop_.WaitForNotificationWithTimeout(options_.poll)) {
    std::vector<plugin_host::CrashMarker*> markers;
    {
      absl::MutexLock lock(&mu_);
      markers = markers_;
    }
    const int64_t now = plugin_host::CrashMarker::MonotonicNowNs();
    for (plugin_host::CrashMarker* marker : markers) {
      const plugin_host::MarkerState m = marker->Read();
      if (m.start_ns == 0) continue;
      const int64_t limit_ns =
          std::max(floor_ns, m.budget_us * 1000 * options_.budget_multiple);
      const int64_t ran_ns = now - m.start_ns;
      if (ran_ns <= limit_ns) continue;
      marker->MarkHung();
      const std::string reason = absl::StrCat(
          "detector '", m.detector, "' has run for ", ran_ns / 1000000,
          " ms on log sequence ", m.sequence, " (limit ", limit_ns / 1000000,
          " ms = max(", options_.budget_multiple, " x budget ", m.budget_us,
          " us, floor)); riskflowd aborts and the restart quarantines it");
      logging::Log(logging::Level::kError, {"watchdog", -1, m.detector},
                   reason);
      if (on_hung_) on_hung_(reason);
      if (stop_.WaitForNotificationWithTimeout(options_.grace)) return;
      const plugin_host::MarkerState again = marker->Read();
      if (again.start_ns == m.start_ns && again.hung) {
        logging::Log(logging::Level::kError, {"watchdog", -1, m.detector},
                     "aborting");
        std::fflush(stderr);
        std::abort();
      }
      logging::Log(logging::Level::kWarning, {"watchdog", -1, m.detector},
                   "the detector returned after all; serving again");
      if (on_recovered_) on_recovered_();
      break;
    }
  }
}

}  // namespace riskflow::engine
