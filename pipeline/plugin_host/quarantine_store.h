#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_QUARANTINE_STORE_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_QUARANTINE_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/plugin_host/crash_marker.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/admin.pb.h"

namespace riskflow::plugin_host {

// Quarantined detectors, persisted in the engine store's meta column family
// ("quarantine/<detector>"), so a quarantine survives restarts until an
// operator clears it (Admin.ClearQuarantine). Keyed by detector instance
// name: it outlives reloads, including one that ships a fixed build —
// clearing is a deliberate act. Thread-safe.
class QuarantineStore {
 public:
  explicit QuarantineStore(storage::Store* store) : store_(store) {}

  absl::Status Load();

  // Persists (synced) and remembers; keeps an existing record (the first
  // reason is the one that matters).
  absl::Status Add(riskflow::v1::QuarantinedDetector q);
  // Ok(false) when `detector` was not quarantined.
  absl::StatusOr<bool> Clear(const std::string& detector);

  std::vector<riskflow::v1::QuarantinedDetector> List() const;
  std::optional<riskflow::v1::QuarantinedDetector> Find(
      const std::string& detector) const;

  // Marks every slot of `pipeline` whose detector is quarantined here (and
  // un-marks none: a fault quarantine of this run stays).
  void ApplyTo(const Pipeline& pipeline) const;

  // Reads the crash markers a dead process left under `dir` (this engine's:
  // <prefix>-*.marker) and decides:
  //  * a marker flagged by the fatal-signal handler (the call crashed the
  //    process) or by the watchdog (the call hung) quarantines its detector;
  //  * a marker in a call without a flag (the process was killed from
  //    outside: OOM killer, kill -9, power) makes the call a suspect; the
  //    same detector on the same sequence found again at the next start
  //    (a crash loop) quarantines it. A single kill -9 under load thus never
  //    quarantines the innocent detector that happened to be running.
  // Records are written before this returns; then the files are removed.
  // `pipeline` gives build ids. Returns the quarantines added.
  absl::StatusOr<std::vector<riskflow::v1::QuarantinedDetector>>
  QuarantineFromMarkers(const std::string& dir, const std::string& prefix,
                        const Pipeline& pipeline);

 private:
  absl::Status Persist(const riskflow::v1::QuarantinedDetector& q);

  storage::Store* store_;
  mutable absl::Mutex mu_;
  std::map<std::string, riskflow::v1::QuarantinedDetector> entries_
      ABSL_GUARDED_BY(mu_);
};

// "SIGSEGV", "SIGABRT", ... or "signal N".
std::string SignalName(int sig);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_QUARANTINE_STORE_H_
