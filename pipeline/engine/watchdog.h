#ifndef RISKFLOW_PIPELINE_ENGINE_WATCHDOG_H_
#define RISKFLOW_PIPELINE_ENGINE_WATCHDOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pipeline/plugin_host/crash_marker.h"

namespace riskflow::engine {

struct WatchdogOptions {
  // A call is hung once it runs past max(budget × this, floor). 0 = off.
  int64_t budget_multiple = 100;
  absl::Duration floor = absl::Seconds(2);
  absl::Duration poll = absl::Milliseconds(100);
  // How long health says NOT_SERVING (so probes and balancers see it)
  // before the process aborts.
  absl::Duration grace = absl::Seconds(1);
};

// Watches every shard's crash marker for a detector call that runs far past
// its budget. A hung plugin cannot be cancelled in-process (it may hold
// locks, or be in a loop that never reaches a safe point), so the verdict is
// drastic: report not-serving with the reason, flag the marker "hung", and
// abort — the restart quarantines the detector and decides the event
// without it (docs/plugin-faults.md). If the call finishes within the grace
// period after all, serving is restored and nothing is aborted.
class Watchdog {
 public:
  using Report = std::function<void(const std::string& reason)>;
  // `on_hung` gets the reason; `on_recovered` is called if the call ended
  // within the grace period.
  Watchdog(std::vector<plugin_host::CrashMarker*> markers,
           const WatchdogOptions& options, Report on_hung,
           std::function<void()> on_recovered);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;

  // Watches more markers from now on (the shadow engine's, which starts
  // after the live one).
  void Watch(const std::vector<plugin_host::CrashMarker*>& more);
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void Loop();

  absl::Mutex mu_;
  std::vector<plugin_host::CrashMarker*> markers_ ABSL_GUARDED_BY(mu_);
  const WatchdogOptions options_;
  const Report on_hung_;
  const std::function<void()> on_recovered_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_WATCHDOG_H_
