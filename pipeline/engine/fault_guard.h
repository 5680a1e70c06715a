#ifndef RISKFLOW_PIPELINE_ENGINE_FAULT_GUARD_H_
#define RISKFLOW_PIPELINE_ENGINE_FAULT_GUARD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/plugin_host/crash_marker.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/quarantine_store.h"
#include "pipeline/storage/store.h"

namespace riskflow::engine {

// An engine's crash containment (docs/plugin-faults.md): one crash marker
// per shard under `dir`, and the persisted quarantine. Opening it reads
// what a crashed predecessor left and quarantines the culprit before any
// event is processed — so the restart decides the fatal event without it.
class FaultGuard {
 public:
  // `prefix` names this engine's marker files (<dir>/<prefix>-<k>.marker).
  static absl::StatusOr<std::unique_ptr<FaultGuard>> Open(
      const std::string& dir, const std::string& prefix, storage::Store* store,
      uint32_t shards, const plugin_host::Pipeline& first);

  plugin_host::CrashMarker* marker(uint32_t shard) {
    return markers_[shard].get();
  }
  std::vector<plugin_host::CrashMarker*> markers() const;
  plugin_host::QuarantineStore* quarantine() { return &quarantine_; }

  // Marks `pipeline`'s quarantined detectors (start and every reload).
  void ApplyTo(const plugin_host::Pipeline& pipeline) const {
    quarantine_.ApplyTo(pipeline);
  }
  // Lifts a quarantine: removes the record and lets `running`'s detector of
  // that name run again from its next event. Ok(false): it was neither
  // recorded nor quarantined in `running`.
  absl::StatusOr<bool> Clear(const std::string& detector,
                             const plugin_host::Pipeline& running);

 private:
  explicit FaultGuard(storage::Store* store) : quarantine_(store) {}

  plugin_host::QuarantineStore quarantine_;
  std::vector<std::unique_ptr<plugin_host::CrashMarker>> markers_;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_FAULT_GUARD_H_
