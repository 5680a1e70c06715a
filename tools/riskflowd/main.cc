// riskflowd: the riskflow daemon. Serves Ingest, Sinks and Admin over gRPC
// (plus grpc.health.v1 and server reflection) with the pipeline from
// --config, or the embedded default pipeline.
#include <signal.h>

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
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/server/daemon.h"
#include "tools/riskflowd/config_watcher.h"

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
ABSL_FLAG(int64_t, shutdown_timeout_s, 30,
          "after SIGTERM/SIGINT, exit (code 1) if draining has not finished "
          "within this many seconds (e.g. a shard stuck in a plugin); acked "
          "events are durable in the log, so nothing acked is lost");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "riskflowd: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "riskflowd [--listen=HOST:PORT] [--data_dir=DIR] [--config=FILE.yaml]");
  absl::ParseCommandLine(argc, argv);

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
  options.watchdog_budget_multiple =
      absl::GetFlag(FLAGS_watchdog_budget_multiple);
  options.watchdog_floor_ms = absl::GetFlag(FLAGS_watchdog_floor_ms);
  options.watchdog_grace_ms = absl::GetFlag(FLAGS_watchdog_grace_ms);
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

  auto daemon = riskflow::server::Daemon::Start(options);
  if (!daemon.ok()) return Fail(std::string(daemon.status().message()));
  std::fprintf(stderr,
               "riskflowd: serving on port %d (pipeline '%s' from %s, data in "
               "%s)\n",
               (*daemon)->port(), options.pipeline.name().c_str(),
               options.pipeline_source.c_str(), options.data_dir.c_str());
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
