#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PIPELINE_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PIPELINE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/plugin_host/plugin_policy.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/storage/store.h"
#include "plugins/sdk/param_parse.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::plugin_host {

// One detector of a pipeline: its config, plugin, validated parameters and
// the state it declared. Shared by every shard's instance of it.
struct DetectorSlot {
  riskflow::v1::DetectorConfig config;
  std::shared_ptr<LoadedPlugin> plugin;
  sdk::ParsedParams params;
  // FILE parameters as read at load (path, SHA-256, size); the contents are
  // in params. Shown by ListPlugins and recorded in the PluginBuild.
  std::vector<riskflow::v1::ParamFile> files;
  // Index = rf_state_handle. Filled by the first instance's create();
  // every later instance must declare the same states.
  std::vector<state::StateSpec> states;
  bool states_sealed = false;
  // The event field the detector's state is keyed by (partition_key.h):
  // what the first instance declared; later instances must agree.
  rf_partition_key partition_key = RF_PARTITION_ACCOUNT;
  bool partition_sealed = false;

  // Fault containment, updated by the shards running the detector.
  std::atomic<uint64_t> faults{0};
  std::atomic<uint64_t> overruns{0};
  std::atomic<uint32_t> consecutive_faults{0};
  std::atomic<bool> quarantined{false};
  // Wall time of each on_event call in µs, all shards (metrics; see
  // docs/operations.md). Observed only while metrics::DetectorTimingOn().
  metrics::Histogram latency_us{metrics::LatencyBucketsMicros()};
  // FREEZE routes of this detector turned into MANUAL_REVIEW by the
  // FREEZE-per-minute guard rail (pipeline/router/freeze_cap.h).
  std::atomic<uint64_t> freeze_cap_hits{0};
  // Why (crash, hang, repeated faults; docs/plugin-faults.md): shown by
  // ListPlugins and carried in each DETECTOR_QUARANTINED annotation.
  mutable absl::Mutex quarantine_mu;
  std::string quarantine_reason ABSL_GUARDED_BY(quarantine_mu);

  void SetQuarantine(const std::string& reason) {
    {
      absl::MutexLock lock(&quarantine_mu);
      quarantine_reason = reason;
    }
    quarantined.store(true);
  }
  void ClearQuarantine() {
    quarantined.store(false);
    consecutive_faults.store(0);
    absl::MutexLock lock(&quarantine_mu);
    quarantine_reason.clear();
  }
  std::string QuarantineReason() const {
    absl::MutexLock lock(&quarantine_mu);
    return quarantine_reason;
  }
};

class ShardDetectors;

// A loaded, validated pipeline version: plugins opened and checked,
// parameters validated against each plugin's schema before any create().
class Pipeline {
 public:
  // Plugins resolve only inside policy.search_path, and load only if their
  // build passes policy's and the config's allowlists (plugin_policy.h).
  static absl::StatusOr<std::unique_ptr<Pipeline>> Load(
      const riskflow::v1::PipelineConfig& config, const PluginPolicy& policy);
  ~Pipeline();

  const riskflow::v1::PipelineConfig& config() const { return config_; }
  // SHA-256 over the canonical config, every plugin's build id and the
  // SHA-256 of every FILE parameter's contents.
  const std::string& version_hash() const { return version_hash_; }
  const std::vector<std::unique_ptr<DetectorSlot>>& detectors() const {
    return detectors_;
  }
  const std::vector<riskflow::v1::PluginBuild>& builds() const {
    return builds_;
  }

  // Creates one instance of every detector for a shard. Call from one
  // thread at a time (startup). Registers declared states with the store so
  // its compaction filter can expire them.
  absl::StatusOr<std::unique_ptr<ShardDetectors>> Instantiate(
      state::ShardState* shard_state, storage::Store* store);

  // Runs every detector's create() once on a throwaway instance and
  // destroys it, touching no shard or store: a dry-run reload refuses what
  // a real one would, with the same message. Only before the pipeline runs
  // (like Instantiate).
  absl::Status TryCreate();

  // Whether each detector call is timed (overrun counts, the latency
  // histogram): two clock reads per call, ~3% of a replay's CPU. Timing
  // never changes a decision (overruns are only counted, never routed), so
  // a replay, whose counters nobody reads, turns it off. A shard with a
  // crash marker still times every call (the watchdog needs the start).
  // Set before Instantiate.
  void set_time_calls(bool on) { time_calls_ = on; }
  bool time_calls() const { return time_calls_; }

 private:
  Pipeline() = default;

  riskflow::v1::PipelineConfig config_;
  std::string version_hash_;
  std::vector<std::unique_ptr<DetectorSlot>> detectors_;
  std::vector<riskflow::v1::PluginBuild> builds_;
  bool time_calls_ = true;
};

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PIPELINE_H_
