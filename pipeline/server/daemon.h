#ifndef RISKFLOW_PIPELINE_SERVER_DAEMON_H_
#define RISKFLOW_PIPELINE_SERVER_DAEMON_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/engine/checkpoint_policy.h"
#include "pipeline/engine/state_cache_defaults.h"
#include "pipeline/log/ingest_limits.h"
#include "pipeline/server/auth/security_options.h"
#include "proto/riskflow/v1/admin.pb.h"
#include "proto/riskflow/v1/config.pb.h"

namespace grpc {
class Server;
}

namespace riskflow::metrics {
class Registry;
}  // namespace riskflow::metrics

namespace riskflow::server {

struct DaemonOptions {
  // host:port; port 0 picks a free port (see Daemon::port()).
  std::string listen_address = "127.0.0.1:7411";
  std::string data_dir;
  riskflow::v1::PipelineConfig pipeline;
  // Where the pipeline came from, for Admin.GetPipeline.
  std::string pipeline_source = "<embedded default>";
  std::vector<std::string> plugin_search_path;
  // Overrides the pipeline's shard count when > 0.
  uint32_t shards = 0;
  bool transport_only = false;
  uint32_t max_batch_events = 10000;
  int max_message_bytes = 64 << 20;
  // false only for benchmarks that measure what fsync costs.
  bool sync_log = true;
  // Bounds of the ingest queue (events waiting for the log writer) and of
  // each shard's queue; 0 keeps the defaults. Tests shrink them to provoke
  // backpressure.
  size_t max_pending_events = 0;
  size_t shard_queue_events = 0;
  // A challenger pipeline run in shadow mode (see shadow.h), if set.
  bool shadow = false;
  riskflow::v1::PipelineConfig shadow_pipeline;
  // Input validation: field, amount and event-time bounds and the
  // card-number policy (docs/input-validation.md).
  log::IngestLimits ingest_limits;

  // Operations (docs/operations.md).
  // New events are refused (RESOURCE_EXHAUSTED) while the filesystem of
  // data_dir has fewer free bytes than this.
  uint64_t min_free_disk_bytes = 64ull << 20;
  // host:port for the Prometheus /metrics endpoint; empty: off. Port 0
  // picks a free port (see Daemon::metrics_port()).
  std::string metrics_listen;
  // TLS, client certificates and the authorization policy; the default is
  // plaintext, allowed only on loopback (docs/security.md).
  auth::SecurityOptions security;

  // --- plugin trust (docs/plugin-loading.md) ---
  // Plugin builds (SHA-256 of the .so) the operator allows whatever a
  // pipeline or a reload says (--plugin_allowlist); empty allows any build
  // found on plugin_search_path.
  std::vector<std::string> plugin_sha256_allowlist;
  // --- faulty plugins (docs/plugin-faults.md) ---
  // Crash markers under <data_dir>/crash and persisted quarantine.
  bool crash_containment = true;
  // Watchdog: a detector call running past max(budget x multiple, floor)
  // makes riskflowd report not-serving and abort. multiple 0 = off.
  int64_t watchdog_budget_multiple = 100;
  int64_t watchdog_floor_ms = 2000;
  int64_t watchdog_grace_ms = 1000;
  // --- durability (docs/architecture.md, "Durability") ---
  // When shards checkpoint their state; the log after the last checkpoint
  // is re-run after a crash (while publishes are accepted again).
  engine::CheckpointPolicy checkpoint;
  // Bytes of cached state per shard before clean entities are evicted to
  // the store (docs/state-memory.md); 0: bounded by entity count only.
  size_t state_memory_bytes_per_shard =
      engine::kDefaultStateMemoryBytesPerShard;
  // The engine's filter of stored state keys (docs/state-memory.md,
  // "Never-stored state is not read"); 0: off.
  size_t stored_key_filter_bytes = engine::kDefaultStoredKeyFilterBytes;
  // --- event log backend (docs/segment-log.md) ---
  // kSegments: records in <data_dir>/log-segments, the idempotency index in
  // memory, re-sends recognised within dedupe_horizon_events logged events.
  // kRocksDb: records and exact idempotency keys in <data_dir>/log.
  // kAuto: kRocksDb for a data directory whose RocksDB log holds events
  // (started before segments were the default), else kSegments.
  // Start refuses a directory logged with the other backend, naming the flag.
  enum class EventLogBackend { kAuto, kRocksDb, kSegments };
  EventLogBackend event_log = EventLogBackend::kAuto;
  uint64_t dedupe_horizon_events = 10'000'000;
  // Event log threads whose group syncs may overlap (EventLog::Options).
  uint32_t log_threads = 2;
};

struct DaemonParts;

// riskflowd as a library: store, pipeline, engine, event log and the gRPC
// services, started in dependency order and stopped in reverse. Tests and
// the load generator run the real daemon in-process through this class.
class Daemon {
 public:
  // Opens the store, loads and validates the pipeline (plugins refused with
  // the file and the reason), recovers unprocessed events, then serves.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(DaemonOptions options);
  ~Daemon();

  int port() const { return port_; }
  // The /metrics port, or 0 when --metrics_listen is off.
  int metrics_port() const;
  // The daemon's metrics (also kept with --metrics_listen off), e.g. for
  // the load generator to read the Evaluate stage histograms.
  metrics::Registry* metrics() const;
  std::string address() const;

  // Hot reload from YAML (see Admin.ReloadPipeline). The running version
  // stays on any error.
  absl::StatusOr<riskflow::v1::ReloadPipelineResponse> Reload(
      const std::string& yaml, const std::string& source, bool dry_run);

  // Stops accepting, finishes in-flight batches, commits, closes the store.
  // Idempotent.
  void Shutdown();

  // Detector calls running now, one line each ("shard marker: detector 'x'
  // on sequence N for T ms"); for the SIGTERM deadline's message.
  std::string RunningDetectorCalls() const;

 private:
  Daemon() = default;
  std::unique_ptr<DaemonParts> parts_;
  int port_ = 0;
};

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_DAEMON_H_
