// riskflowd: the riskflow daemon. Serves Ingest, Sinks and Admin over gRPC
// (plus grpc.health.v1 and server reflection) with the pipeline from
// --config, or the embedded default pipeline.
#include <signal.h>
#include <sys/stat.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/log/horizon_id_table.h"
#include "pipeline/log/segment/segment_log.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/plugin_host/plugin_policy.h"
#include "pipeline/server/daemon.h"
#include "pipeline/server/serving_process.h"
#include "tools/riskflowd/config_watcher.h"
#include "tools/riskflowd/ingest_flags.h"
#include "tools/riskflowd/help.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7411",
          "host:port to serve gRPC on; port 0 picks a free port");
ABSL_FLAG(std::string, data_dir, "riskflow-data",
          "directory of the RocksDB store (event log, state, outboxes)");
ABSL_FLAG(std::string, config, "",
          "pipeline YAML file; empty runs the embedded default pipeline");
ABSL_FLAG(std::string, plugin_path, "",
          "colon-separated directories searched for detector plugins "
          "(before $RISKFLOW_PLUGIN_PATH and the built-in locations)");
ABSL_FLAG(uint32_t, shards, 0,
          "engine shards; 0 uses the pipeline's setting (0 there = cores)");
ABSL_FLAG(bool, transport_only, false,
          "parse and ack without logging or processing (benchmark baseline)");
ABSL_FLAG(std::string, port_file, "",
          "write the bound port to this file once serving (for scripts)");
ABSL_FLAG(std::string, shadow_config, "",
          "challenger pipeline YAML run in shadow mode on live traffic: its "
          "decisions go to <data_dir>/shadow, never to sinks; compare with "
          "`riskflow shadow report`");
ABSL_FLAG(bool, watch_config, false,
          "hot-reload the pipeline when the --config file changes");
ABSL_FLAG(uint32_t, max_batch_events, 10000,
          "largest batch of events one Publish message may carry");
// Operations (docs/operations.md).
ABSL_FLAG(uint64_t, min_free_disk_mb, 64,
          "refuse new events (RESOURCE_EXHAUSTED) while the filesystem of "
          "--data_dir has less free space than this; the reserve lets "
          "accepted events still be decided, flushed and compacted");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port for Prometheus metrics (GET /metrics); empty: off; "
          "port 0 picks a free port");
ABSL_FLAG(std::string, metrics_port_file, "",
          "write the bound metrics port to this file (for scripts)");
ABSL_FLAG(bool, detector_latency_histograms, true,
          "time every detector call into riskflow_detector_latency_us");
// Transport security and authorization (docs/security.md).
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the server; with --tls_key serves TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle client certificates must chain to; when set every "
          "client must present one, and its CN (or SAN) is its identity");
ABSL_FLAG(std::string, auth_policy, "",
          "YAML policy mapping client identities to roles (ingest, consumer, "
          "admin, reader); needs --tls_client_ca");
ABSL_FLAG(bool, allow_insecure, false,
          "serve plaintext on a non-loopback --listen address anyway "
          "(refused otherwise)");

// --- plugin trust (docs/plugin-loading.md) ---
ABSL_FLAG(std::string, plugin_allowlist, "",
          "file of plugin builds (SHA-256 of the .so, one per line, '#' "
          "comments) allowed to load, whatever a pipeline or a reload says; "
          "empty allows any build found on the plugin path");
// --- faulty plugins (docs/plugin-faults.md) ---
ABSL_FLAG(int64_t, watchdog_budget_multiple, 100,
          "a detector call running past max(time budget x this, "
          "--watchdog_floor_ms) makes riskflowd report not-serving and abort "
          "so the restart quarantines the detector; 0 turns the watchdog off");
ABSL_FLAG(int64_t, watchdog_floor_ms, 2000,
          "the watchdog's lower limit for a detector call, in ms");
ABSL_FLAG(int64_t, watchdog_grace_ms, 1000,
          "how long health reports NOT_SERVING (with the reason) before the "
          "watchdog aborts; if the call returns meanwhile, nothing happens");
ABSL_FLAG(uint64_t, state_memory_mb,
          riskflow::engine::kDefaultStateMemoryBytesPerShard >> 20,
          "MB of cached state per shard before least recently used clean "
          "entities are evicted to the store (0: bounded by entity count "
          "only; docs/state-memory.md)");
ABSL_FLAG(uint64_t, stored_key_filter_mb,
          riskflow::engine::kDefaultStoredKeyFilterBytes >> 20,
          "MB of the filter that lets a state cache miss skip the store read "
          "of state never written (0: off, every miss reads; "
          "docs/state-memory.md)");
ABSL_FLAG(absl::Duration, checkpoint_interval, absl::Seconds(10),
          "write each shard's state to the engine store at least this "
          "often; after a crash the log since the last checkpoint is "
          "re-run (docs/architecture.md, Durability)");
ABSL_FLAG(uint64_t, checkpoint_events, 1000000,
          "also checkpoint a shard after this many decided events (0: no "
          "event limit)");
ABSL_FLAG(int64_t, shutdown_timeout_s, 30,
          "after SIGTERM/SIGINT, exit (code 1) if draining has not finished "
          "within this many seconds (e.g. a shard stuck in a plugin); acked "
          "events are durable in the log, so nothing acked is lost");
// --- event log backend (docs/segment-log.md) ---
ABSL_FLAG(std::string, event_log, "auto",
          "where the event log keeps its records: \"segments\" (append-only "
          "files in <data_dir>/log-segments, idempotency index in memory "
          "within --dedupe_horizon) or \"rocksdb\" (<data_dir>/log, exact "
          "idempotency keys kept forever); \"auto\": rocksdb for a data "
          "directory whose RocksDB log already holds events, else segments. "
          "A data directory stays on the one it was started with");
ABSL_FLAG(uint32_t, log_threads, 2,
          "event log threads: while one group of events is being synced to "
          "disk another thread may write and sync the next, so an Evaluate "
          "does not wait for a slow fdatasync in flight (1: one sync at a "
          "time; at most 4; docs/segment-log.md, \"Concurrent syncs\")");
ABSL_FLAG(uint64_t, dedupe_horizon, 10000000,
          "--event_log=segments: a re-sent event_id is answered as a "
          "duplicate while fewer than this many events were logged after "
          "the original; an older re-send is logged again as a new event");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "riskflowd: %s\n", message.c_str());
  return 1;
}

void WritePortFile(const std::string& path, int port) {
  if (path.empty()) return;
  std::ofstream out(path + ".tmp");
  out << port << "\n";
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "riskflowd [--listen=HOST:PORT] [--data_dir=DIR] [--config=FILE.yaml]");
  riskflow::UseRiskflowdFlagsForHelp();
  absl::ParseCommandLine(argc, argv);
  riskflow::server::ConfigureServingProcess();
  // Everything riskflowd creates (RocksDB files, directories) is for its
  // owner only: the log holds every event (docs/input-validation.md).
  umask(077);

  // Block the shutdown signals before any thread starts, so only sigwait
  // below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  riskflow::server::DaemonOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.shards = absl::GetFlag(FLAGS_shards);
  options.transport_only = absl::GetFlag(FLAGS_transport_only);
  options.max_batch_events = absl::GetFlag(FLAGS_max_batch_events);
  if (auto s = riskflow::riskflowd::IngestLimitsFromFlags(
          &options.ingest_limits);
      !s.ok()) {
    return Fail(std::string(s.message()));
  }
  options.min_free_disk_bytes = absl::GetFlag(FLAGS_min_free_disk_mb) << 20;
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  riskflow::metrics::SetDetectorTiming(
      absl::GetFlag(FLAGS_detector_latency_histograms));
  options.security.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.security.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.security.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.security.auth_policy_file = absl::GetFlag(FLAGS_auth_policy);
  options.security.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  options.watchdog_budget_multiple =
      absl::GetFlag(FLAGS_watchdog_budget_multiple);
  options.watchdog_floor_ms = absl::GetFlag(FLAGS_watchdog_floor_ms);
  options.watchdog_grace_ms = absl::GetFlag(FLAGS_watchdog_grace_ms);
  options.checkpoint.interval = absl::GetFlag(FLAGS_checkpoint_interval);
  options.checkpoint.events = absl::GetFlag(FLAGS_checkpoint_events);
  options.state_memory_bytes_per_shard =
      static_cast<size_t>(absl::GetFlag(FLAGS_state_memory_mb)) << 20;
  options.stored_key_filter_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_stored_key_filter_mb)) << 20;
  if (const std::string backend = absl::GetFlag(FLAGS_event_log);
      backend == "segments") {
    options.event_log =
        riskflow::server::DaemonOptions::EventLogBackend::kSegments;
  } else if (backend == "rocksdb") {
    options.event_log =
        riskflow::server::DaemonOptions::EventLogBackend::kRocksDb;
  } else if (backend == "auto") {
    options.event_log = riskflow::server::DaemonOptions::EventLogBackend::kAuto;
  } else {
    std::fprintf(stderr,
                 "riskflowd: --event_log must be auto, segments or rocksdb (got "
                 "\"%s\")\n",
                 backend.c_str());
    return 2;
  }
  options.dedupe_horizon_events = absl::GetFlag(FLAGS_dedupe_horizon);
  if (options.dedupe_horizon_events == 0) {
    std::fprintf(stderr, "riskflowd: --dedupe_horizon must be positive\n");
    return 2;
  }
  // The index's table is sized once for the whole horizon
  // (pipeline/log/horizon_id_table.h); refuse rather than clamp silently.
  if (options.dedupe_horizon_events > riskflow::log::HorizonIdTable::kMaxEntries) {
    std::fprintf(stderr,
                 "riskflowd: --dedupe_horizon must be at most %llu (got %llu)\n",
                 static_cast<unsigned long long>(
                     riskflow::log::HorizonIdTable::kMaxEntries),
                 static_cast<unsigned long long>(options.dedupe_horizon_events));
    return 2;
  }
  options.log_threads = absl::GetFlag(FLAGS_log_threads);
  if (options.log_threads < 1 ||
      options.log_threads > riskflow::log::segment::SegmentLog::kSyncSlots) {
    std::fprintf(stderr,
                 "riskflowd: --log_threads must be between 1 and %d (got "
                 "%u)\n",
                 riskflow::log::segment::SegmentLog::kSyncSlots,
                 options.log_threads);
    return 2;
  }
  if (options.checkpoint.interval <= absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "riskflowd: --checkpoint_interval must be positive (got "
                 "%s)\n",
                 absl::FormatDuration(options.checkpoint.interval).c_str());
    return 2;
  }
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (config_path.empty()) {
    auto pipeline =
        riskflow::config::ParsePipelineYaml(riskflow::config::DefaultPipelineYaml());
    if (!pipeline.ok()) {
      return Fail("embedded default pipeline is invalid: " +
                  std::string(pipeline.status().message()));
    }
    options.pipeline = *pipeline;
  } else {
    auto pipeline = riskflow::config::LoadPipelineFile(config_path);
    if (!pipeline.ok()) {
      return Fail("bad --config: " + std::string(pipeline.status().message()));
    }
    options.pipeline = *pipeline;
    options.pipeline_source = config_path;
  }
  const std::string shadow_path = absl::GetFlag(FLAGS_shadow_config);
  if (!shadow_path.empty()) {
    auto shadow = riskflow::config::LoadPipelineFile(shadow_path);
    if (!shadow.ok()) {
      return Fail("bad --shadow_config: " +
                  std::string(shadow.status().message()));
    }
    options.shadow = true;
    options.shadow_pipeline = *shadow;
  }
  for (absl::string_view dir :
       absl::StrSplit(absl::GetFlag(FLAGS_plugin_path), ':', absl::SkipEmpty())) {
    options.plugin_search_path.emplace_back(dir);
  }
  for (std::string& dir : riskflow::plugin_host::DefaultPluginSearchPath()) {
    options.plugin_search_path.push_back(std::move(dir));
  }

  if (const std::string allowlist = absl::GetFlag(FLAGS_plugin_allowlist);
      !allowlist.empty()) {
    auto hashes = riskflow::plugin_host::ReadPluginAllowlist(allowlist);
    if (!hashes.ok()) {
      return Fail("bad --plugin_allowlist: " +
                  std::string(hashes.status().message()));
    }
    if (hashes->empty()) {
      return Fail("bad --plugin_allowlist: " + allowlist +
                  " lists no build (no plugin could load)");
    }
    options.plugin_sha256_allowlist = *std::move(hashes);
  }

  auto daemon = riskflow::server::Daemon::Start(options);
  if (!daemon.ok()) return Fail(std::string(daemon.status().message()));
  std::fprintf(stderr,
               "riskflowd: serving on port %d (pipeline '%s' from %s, data in "
               "%s)\n",
               (*daemon)->port(), options.pipeline.name().c_str(),
               options.pipeline_source.c_str(), options.data_dir.c_str());
  if ((*daemon)->metrics_port() > 0) {
    std::fprintf(stderr, "riskflowd: metrics on port %d\n",
                 (*daemon)->metrics_port());
    WritePortFile(absl::GetFlag(FLAGS_metrics_port_file),
                  (*daemon)->metrics_port());
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    std::ofstream out(port_file + ".tmp");
    out << (*daemon)->port() << "\n";
    out.close();
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }

  std::unique_ptr<riskflow::ConfigWatcher> watcher;
  if (absl::GetFlag(FLAGS_watch_config)) {
    if (config_path.empty()) {
      return Fail("--watch_config needs --config");
    }
    watcher = std::make_unique<riskflow::ConfigWatcher>(
        daemon->get(), config_path, riskflow::ReadFileOrEmpty(config_path),
        absl::Seconds(1));
  }

  int sig = 0;
  sigwait(&signals, &sig);
  watcher.reset();
  std::fprintf(stderr, "riskflowd: %s received, draining\n",
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
  // A shard stuck in a plugin would keep the drain (and so the process)
  // alive for ever: past the deadline we exit anyway. Acked events are in
  // the synced log; the next start decides whatever was not committed.
  absl::Notification drained;
  std::thread deadline([&drained, &daemon] {
    const absl::Duration limit =
        absl::Seconds(absl::GetFlag(FLAGS_shutdown_timeout_s));
    if (drained.WaitForNotificationWithTimeout(limit)) return;
    std::fprintf(stderr,
                 "riskflowd: draining did not finish within %s; exiting "
                 "anyway (acked events are durable in the log and are "
                 "decided at the next start). Detector calls still "
                 "running:\n%s",
                 absl::FormatDuration(limit).c_str(),
                 (*daemon)->RunningDetectorCalls().c_str());
    std::fflush(stderr);
    _exit(1);
  });
  (*daemon)->Shutdown();
  drained.Notify();
  deadline.join();
  std::fprintf(stderr, "riskflowd: stopped cleanly\n");
  return 0;
}
