// loadgen: streams synthetic payment events at full speed and prints
// events/s and ack latency for the full pipeline and, in the same run, for a
// transport-only daemon (parse and ack, no log, no processing), with ratios.
// Medians over --repeats runs; see docs/benchmarks.md. Each repeat also runs
// the in-memory peers (one thread, flat_hash_map; --peer_baseline) over the
// same events and prints every mode's ratio to them, and each daemon's
// memory (docs/benchmarks-peer.md).
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/server/daemon.h"
#include "pipeline/server/serving_process.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/loadgen/data_dir.h"
#include "tools/loadgen/evaluate_runner.h"
#include "tools/loadgen/peer_report.h"
#include "tools/loadgen/process_memory.h"
#include "tools/loadgen/evaluate_load_mode.h"  // Evaluate under load
#include "tools/loadgen/stream_runner.h"
#include "tools/loadgen/synthetic_stream.h"

ABSL_FLAG(uint64_t, events, 1000000, "events per run");
ABSL_FLAG(uint32_t, batch_size, 1000, "events per Publish message");
ABSL_FLAG(int, streams, 2, "concurrent Publish streams");
ABSL_FLAG(int, window, 8, "unacknowledged batches per stream");
ABSL_FLAG(int, repeats, 3, "runs per mode; medians are reported");
ABSL_FLAG(uint32_t, accounts, 200000, "distinct accounts in the stream");
ABSL_FLAG(uint32_t, shards, 0, "engine shards (0 = cores)");
ABSL_FLAG(std::string, target, "",
          "an already running riskflowd; empty starts in-process daemons "
          "(full pipeline and transport-only baseline)");
ABSL_FLAG(std::string, config, "", "pipeline YAML (default: embedded)");
ABSL_FLAG(int, evaluate_calls, 0,
          "also measure the authorization path: this many sequential "
          "Evaluate calls against an idle daemon with pipeline A");
ABSL_FLAG(std::string, tls_dir, "",
          "a directory made by tools/certs.sh: also measure the full "
          "pipeline and the transport baseline over mTLS with an "
          "authorization policy, in the same run (TLS vs plaintext ratio)");
ABSL_FLAG(std::string, tls_ca, "",
          "with --target: PEM CA of riskflowd's certificate (TLS)");
ABSL_FLAG(std::string, tls_cert, "", "with --target: PEM client certificate");
ABSL_FLAG(std::string, tls_key, "", "with --target: PEM client key");
ABSL_FLAG(std::string, tls_server_name, "",
          "with --target: name to verify the server certificate against");
ABSL_FLAG(std::string, config2, "",
          "a second pipeline measured in the same run (e.g. "
          "pipeline/config/all_detectors.yaml), compared with --config");
// --- faulty plugins (docs/plugin-faults.md) ---
ABSL_FLAG(bool, crash_markers, true,
          "in-process daemons keep per-shard crash markers (false measures "
          "what they cost)");
// --- peer baseline (docs/benchmarks-peer.md) ---
ABSL_FLAG(bool, peer_baseline, true,
          "also run the in-memory peers in every repeat (the issue's three "
          "rules, and the default pipeline's rules, over the same stream in "
          "one thread with flat_hash_map state) and print each mode's ratio "
          "to them");
// --- event log backend (docs/segment-log.md) ---
ABSL_FLAG(std::string, event_log, "",
          "in-process daemons' event log: segments or rocksdb (empty: the "
          "daemon's default)");
ABSL_FLAG(uint32_t, log_threads, 2,
          "in-process daemons' event log threads (riskflowd --log_threads; "
          "1: one sync at a time)");
ABSL_FLAG(absl::Duration, checkpoint_interval, absl::ZeroDuration(),
          "in-process daemons' checkpoint interval (riskflowd "
          "--checkpoint_interval; 0: the daemon's default)");
ABSL_FLAG(absl::Duration, checkpoint_slice_budget, absl::ZeroDuration(),
          "in-process daemons' CPU budget of one checkpoint slice on a shard "
          "thread (CheckpointPolicy::slice_budget; 0: the default, 1ms)");

namespace {

using riskflow::loadgen::RunResult;

// --event_log, --log_threads and the checkpoint flags onto in-process
// daemon options.
void ApplyEventLog(riskflow::server::DaemonOptions* options) {
  using Backend = riskflow::server::DaemonOptions::EventLogBackend;
  const std::string backend = absl::GetFlag(FLAGS_event_log);
  if (backend == "segments") options->event_log = Backend::kSegments;
  if (backend == "rocksdb") options->event_log = Backend::kRocksDb;
  options->log_threads = absl::GetFlag(FLAGS_log_threads);
  const absl::Duration interval = absl::GetFlag(FLAGS_checkpoint_interval);
  if (interval > absl::ZeroDuration()) {
    options->checkpoint.interval = interval;
  }
  const absl::Duration slice = absl::GetFlag(FLAGS_checkpoint_slice_budget);
  if (slice > absl::ZeroDuration()) options->checkpoint.slice_budget = slice;
}

struct Measured {
  RunResult transport;
  RunResult acked;
  double processed_per_second = 0;
};

// Memory one in-process daemon run took: its own growth, measured from
// before Daemon::Start to after the last event is decided (before
// Shutdown). Bytes (growth may be negative); empty when not measurable.
struct RunMemory {
  std::optional<int64_t> rss_after;
  std::optional<int64_t> rss_growth;
  std::optional<int64_t> allocated_growth;  // jemalloc stats.allocated
};

void PushMb(const std::optional<int64_t>& bytes, std::vector<double>* mb) {
  if (bytes.has_value()) mb->push_back(*bytes / 1048576.0);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string TempDir() {
  std::string tmpl = "/tmp/riskflow-loadgen-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return "/tmp/riskflow-loadgen";
  return tmpl;
}

// Client credentials for the mTLS modes: the admin certificate of
// --tls_dir, which the policy below also lets publish.
riskflow::loadgen::ClientTls TlsClient(bool tls) {
  if (!tls) return {};
  const std::string dir = absl::GetFlag(FLAGS_tls_dir);
  return {dir + "/ca.pem", dir + "/admin.pem", dir + "/admin.key", ""};
}

// Server side of the mTLS modes: certificates from --tls_dir and a policy
// (written into data_dir) granting the loadgen identity the stream's
// channels, so the per-event channel check is part of what is measured.
riskflow::server::auth::SecurityOptions TlsServer(
    const std::string& data_dir,
    const std::vector<riskflow::v1::PublishRequest>& batches) {
  const std::string dir = absl::GetFlag(FLAGS_tls_dir);
  std::set<std::string> channels;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) channels.insert(e.channel_id());
  }
  const std::string policy = data_dir + "/policy.yaml";
  std::ofstream out(policy);
  out << "identities:\n  admin:\n    admin: true\n    ingest:\n";
  for (const std::string& c : channels) out << "      - " << c << "\n";
  riskflow::server::auth::SecurityOptions s;
  s.tls_cert_file = dir + "/server.pem";
  s.tls_key_file = dir + "/server.key";
  s.tls_client_ca_file = dir + "/ca.pem";
  s.auth_policy_file = policy;
  return s;
}

// CPU seconds (user + system) this process has used: client and daemon
// run in it, so the difference per event is what the mode costs, and it
// moves much less than events/s when other work shares the machine.
double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Waits until the daemon has decided everything it acknowledged.
void WaitProcessed(const std::string& target,
                   const riskflow::loadgen::ClientTls& tls) {
  grpc::ChannelArguments args;
  auto credentials = riskflow::loadgen::MakeCredentials(tls, &args);
  if (!credentials.ok()) {
    std::fprintf(stderr, "loadgen: %s\n",
                 std::string(credentials.status().message()).c_str());
    std::exit(1);
  }
  auto stub = riskflow::v1::Admin::NewStub(
      grpc::CreateCustomChannel(target, *credentials, args));
  while (true) {
    grpc::ClientContext ctx;
    riskflow::v1::Health health;
    if (stub->GetHealth(&ctx, {}, &health).ok() &&
        health.processed_sequence() >= health.durable_sequence()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

riskflow::v1::PipelineConfig LoadPipeline(const std::string& path) {
  auto config = path.empty() ? riskflow::config::ParsePipelineYaml(
                                   riskflow::config::DefaultPipelineYaml())
                             : riskflow::config::LoadPipelineFile(path);
  if (!config.ok()) {
    std::fprintf(stderr, "loadgen: %s\n",
                 std::string(config.status().message()).c_str());
    std::exit(1);
  }
  return *config;
}

absl::StatusOr<RunResult> RunAgainst(
    bool transport_only, const std::string& config_path,
    const std::vector<riskflow::v1::PublishRequest>& b,
    double* processed_per_second, bool tls, double* cpu_us_per_event,
    RunMemory* memory) {
  const int64_t rss_before = riskflow::loadgen::ResidentBytes();
  const int64_t allocated_before = riskflow::loadgen::AllocatedBytes();
  riskflow::server::DaemonOptions options;
  options.listen_address = "127.0.0.1:0";
  options.transport_only = transport_only;
  options.data_dir = TempDir();
  options.pipeline = LoadPipeline(config_path);
  options.shards = absl::GetFlag(FLAGS_shards);
  options.plugin_search_path = riskflow::plugin_host::DefaultPluginSearchPath();
  if (tls) options.security = TlsServer(options.data_dir, b);
  options.crash_containment = absl::GetFlag(FLAGS_crash_markers);
  ApplyEventLog(&options);
  auto daemon = riskflow::server::Daemon::Start(options);
  if (!daemon.ok()) return daemon.status();
  const std::string target = (*daemon)->address();
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  auto result = riskflow::loadgen::RunStreams(
      target, b, absl::GetFlag(FLAGS_streams), absl::GetFlag(FLAGS_window),
      TlsClient(tls));
  if (result.ok() && !transport_only) {
    WaitProcessed(target, TlsClient(tls));
    const double s = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    *processed_per_second = result->events / s;
  }
  if (result.ok() && result->events > 0) {
    *cpu_us_per_event = (CpuSeconds() - cpu_start) * 1e6 / result->events;
  }
  const int64_t rss_after = riskflow::loadgen::ResidentBytes();
  const int64_t allocated_after = riskflow::loadgen::AllocatedBytes();
  if (rss_after >= 0) memory->rss_after = rss_after;
  if (rss_before >= 0 && rss_after >= 0) {
    memory->rss_growth = rss_after - rss_before;
  }
  if (allocated_before >= 0 && allocated_after >= 0) {
    memory->allocated_growth = allocated_after - allocated_before;
  }
  (*daemon)->Shutdown();
  riskflow::loadgen::RemoveDataDir(options.data_dir);
  return result;
}

void PrintRow(const char* mode, double eps, double p50, double p99,
              double processed) {
  std::printf("%-22s %14.0f %12.0f %12.0f %16.0f\n", mode, eps, p50, p99,
              processed);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  riskflow::server::ConfigureServingProcess();
  riskflow::loadgen::StreamShape shape;
  shape.events = absl::GetFlag(FLAGS_events);
  shape.batch_size = absl::GetFlag(FLAGS_batch_size);
  shape.accounts = absl::GetFlag(FLAGS_accounts);

  const std::string external = absl::GetFlag(FLAGS_target);
  if (!external.empty()) {
    shape.run = static_cast<uint32_t>(
        std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
    auto batches = riskflow::loadgen::MakeBatches(shape);
    auto r = riskflow::loadgen::RunStreams(
        external, batches, absl::GetFlag(FLAGS_streams),
        absl::GetFlag(FLAGS_window),
        {absl::GetFlag(FLAGS_tls_ca), absl::GetFlag(FLAGS_tls_cert),
         absl::GetFlag(FLAGS_tls_key), absl::GetFlag(FLAGS_tls_server_name)});
    if (!r.ok()) {
      std::fprintf(stderr, "loadgen: %s\n",
                   std::string(r.status().message()).c_str());
      return 1;
    }
    std::printf("%s: %.0f events/s acked, ack p50 %.0f us, p99 %.0f us\n",
                external.c_str(), r->events_per_second, r->ack_p50_us,
                r->ack_p99_us);
    return 0;
  }

  auto batches = riskflow::loadgen::MakeBatches(shape);
  std::printf("loadgen: %llu events, batches of %u, %d streams x %d in "
              "flight, %u accounts, %d repeats\n",
              static_cast<unsigned long long>(shape.events), shape.batch_size,
              absl::GetFlag(FLAGS_streams), absl::GetFlag(FLAGS_window),
              shape.accounts, absl::GetFlag(FLAGS_repeats));
  // Per mode, per repeat: acked ev/s, p50, p99, decided ev/s.
  struct Series {
    std::string name;
    bool transport_only;
    std::string config;
    std::vector<double> eps, p50, p99, decided;
    bool tls = false;
    std::vector<double> cpu;
    std::vector<double> rss_after_mb, rss_growth_mb, allocated_growth_mb;
  };
  std::vector<riskflow::loadgen::PeerSeries> peers;
  if (absl::GetFlag(FLAGS_peer_baseline)) {
    peers = riskflow::loadgen::LoadgenPeers();
  }
  std::vector<Series> modes = {
      {"transport baseline", true, "", {}, {}, {}, {}},
      {"pipeline A", false, absl::GetFlag(FLAGS_config), {}, {}, {}, {}},
  };
  if (!absl::GetFlag(FLAGS_config2).empty()) {
    modes.push_back({"pipeline B", false, absl::GetFlag(FLAGS_config2), {}, {},
                     {}, {}});
  }
  // Appended after A and B so their ratios above keep their indices.
  const size_t first_tls = modes.size();
  if (!absl::GetFlag(FLAGS_tls_dir).empty()) {
    modes.push_back({"transport + mTLS", true, "", {}, {}, {}, {}, true});
    modes.push_back({"pipeline A + mTLS", false, absl::GetFlag(FLAGS_config),
                     {}, {}, {}, {}, true});
  }
  for (Series& m : modes) {
    if (m.transport_only) continue;
    std::printf("%s: %s (%s)\n", m.name.c_str(),
                LoadPipeline(m.config).name().c_str(),
                m.config.empty() ? "embedded default" : m.config.c_str());
  }
  for (int i = 0; i < absl::GetFlag(FLAGS_repeats); ++i) {
    // Modes interleave within each repeat, so drift on a shared machine
    // hits all of them alike.
    for (Series& m : modes) {
      double decided = 0;
      double cpu = 0;
      RunMemory memory;
      auto r = RunAgainst(m.transport_only, m.config, batches, &decided, m.tls,
                          &cpu, &memory);
      if (!r.ok()) {
        std::fprintf(stderr, "loadgen: %s: %s\n", m.name.c_str(),
                     std::string(r.status().message()).c_str());
        return 1;
      }
      if (!m.transport_only && r->accepted != r->events) {
        std::fprintf(stderr, "loadgen: %s: only %llu of %llu accepted\n",
                     m.name.c_str(),
                     static_cast<unsigned long long>(r->accepted),
                     static_cast<unsigned long long>(r->events));
        return 1;
      }
      std::printf(
          "run %d %-20s acked %9.0f ev/s  decided %9.0f ev/s  cpu %6.1f "
          "us/ev\n",
          i + 1, m.name.c_str(), r->events_per_second, decided, cpu);
      m.cpu.push_back(cpu);
      m.eps.push_back(r->events_per_second);
      m.p50.push_back(r->ack_p50_us);
      m.p99.push_back(r->ack_p99_us);
      m.decided.push_back(decided);
      PushMb(memory.rss_after, &m.rss_after_mb);
      PushMb(memory.rss_growth, &m.rss_growth_mb);
      PushMb(memory.allocated_growth, &m.allocated_growth_mb);
      std::printf("      %-20s rss %7.1f MB after (%s), allocated %s MB\n", "",
                  memory.rss_after.value_or(0) / 1048576.0,
                  riskflow::loadgen::MbText(memory.rss_growth).c_str(),
                  riskflow::loadgen::MbText(memory.allocated_growth).c_str());
    }
    // Same batches, same repeat: the ratios below are same-run ratios.
    for (riskflow::loadgen::PeerSeries& p : peers) p.Run(i + 1, batches);
  }
  std::printf("\n%-22s %14s %12s %12s %16s\n", "mode (medians)",
              "acked ev/s", "ack p50 us", "ack p99 us", "decided ev/s");
  for (const Series& m : modes) {
    PrintRow(m.name.c_str(), Median(m.eps), Median(m.p50), Median(m.p99),
             Median(m.decided));
  }
  // Memory of each in-process daemon (docs/benchmarks-peer.md): medians.
  std::printf("\n%-22s %14s %14s %16s\n", "memory (medians)", "rss after MB",
              "rss growth MB", "allocated +MB");
  for (const Series& m : modes) {
    std::printf("%-22s %14.1f %14.1f %16.1f\n", m.name.c_str(),
                Median(m.rss_after_mb), Median(m.rss_growth_mb),
                Median(m.allocated_growth_mb));
  }
  if (!peers.empty()) std::printf("\n");
  for (const riskflow::loadgen::PeerSeries& p : peers) {
    p.PrintSummary();
    for (const Series& m : modes) {
      p.PrintRatio(m.name, m.transport_only, Median(m.eps), Median(m.decided),
                   Median(m.cpu));
    }
  }
  const int evaluate_calls = absl::GetFlag(FLAGS_evaluate_calls);
  if (evaluate_calls > 0) {
    riskflow::loadgen::StreamShape eval_shape = shape;
    eval_shape.events = evaluate_calls;
    eval_shape.batch_size = evaluate_calls;
    eval_shape.run = 999;
    auto eval_batches = riskflow::loadgen::MakeBatches(eval_shape);
    std::vector<riskflow::v1::Event> eval_events(
        eval_batches[0].events().begin(), eval_batches[0].events().end());
    riskflow::server::DaemonOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = TempDir();
    options.pipeline = LoadPipeline(absl::GetFlag(FLAGS_config));
    options.plugin_search_path =
        riskflow::plugin_host::DefaultPluginSearchPath();
    ApplyEventLog(&options);
    auto daemon = riskflow::server::Daemon::Start(options);
    if (!daemon.ok()) {
      std::fprintf(stderr, "loadgen: %s\n",
                   std::string(daemon.status().message()).c_str());
      return 1;
    }
    auto r = riskflow::loadgen::RunEvaluates((*daemon)->address(), eval_events);
    (*daemon)->Shutdown();
    if (!r.ok()) {
      std::fprintf(stderr, "loadgen: %s\n",
                   std::string(r.status().message()).c_str());
      return 1;
    }
    std::printf("\nEvaluate (authorization path, idle daemon, %llu calls): "
                "p50 %.0f us, p99 %.0f us, max %.0f us\n",
                static_cast<unsigned long long>(r->calls), r->p50_us,
                r->p99_us, r->max_us);
  }
  const double transport = Median(modes[0].eps);
  std::printf("\nratio A/transport: acked %.3f, decided %.3f\n",
              Median(modes[1].eps) / transport,
              Median(modes[1].decided) / transport);
  if (first_tls > 2) {
    std::printf("ratio B/transport: acked %.3f, decided %.3f\n",
                Median(modes[2].eps) / transport,
                Median(modes[2].decided) / transport);
    std::printf("ratio B/A: decided %.2f, ack p99 %.2f\n",
                Median(modes[2].decided) / Median(modes[1].decided),
                Median(modes[2].p99) / Median(modes[1].p99));
  }
  if (modes.size() > first_tls) {
    const Series& plain = modes[1];
    const Series& tls_transport = modes[first_tls];
    const Series& tls_pipeline = modes[first_tls + 1];
    std::printf(
        "ratio mTLS/plaintext: transport acked %.3f; pipeline A acked %.3f, "
        "decided %.3f, ack p50 %.2f, ack p99 %.2f\n",
        Median(tls_transport.eps) / transport,
        Median(tls_pipeline.eps) / Median(plain.eps),
        Median(tls_pipeline.decided) / Median(plain.decided),
        Median(tls_pipeline.p50) / Median(plain.p50),
        Median(tls_pipeline.p99) / Median(plain.p99));
    std::printf(
        "cpu us/event (client + daemon), plaintext -> mTLS: transport %.2f -> "
        "%.2f (%.2fx), pipeline A %.2f -> %.2f (%.2fx)\n",
        Median(modes[0].cpu), Median(tls_transport.cpu),
        Median(tls_transport.cpu) / Median(modes[0].cpu), Median(plain.cpu),
        Median(tls_pipeline.cpu),
        Median(tls_pipeline.cpu) / Median(plain.cpu));
  }
  // --- Evaluate under paced Publish load (docs/evaluate-lane.md) ---
  if (riskflow::loadgen::EvaluateLoadRequested() &&
      !riskflow::loadgen::RunEvaluateLoadMode(
          Median(modes[1].decided), absl::GetFlag(FLAGS_repeats), [] {
            riskflow::server::DaemonOptions o;
            o.listen_address = "127.0.0.1:0";
            o.data_dir = TempDir();
            o.pipeline = LoadPipeline(absl::GetFlag(FLAGS_config));
            o.shards = absl::GetFlag(FLAGS_shards);
            o.plugin_search_path =
                riskflow::plugin_host::DefaultPluginSearchPath();
            ApplyEventLog(&o);
            return o;
          })) {
    return 1;
  }
  return 0;
}
