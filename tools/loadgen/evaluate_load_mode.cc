#include "tools/loadgen/evaluate_load_mode.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/metrics/registry.h"
#include "pipeline/server/server_metrics.h"
#include "tools/loadgen/data_dir.h"
#include "tools/loadgen/evaluate_runner.h"
#include "tools/loadgen/synthetic_stream.h"

ABSL_FLAG(double, evaluate_load_fraction, 0,
          "also measure Evaluate latency and Publish ack latency with "
          "Publish paced at this fraction of the maximum Publish load "
          "(--evaluate_load_max) of the same run (0 = off); "
          "docs/evaluate-lane.md");
ABSL_FLAG(std::string, evaluate_load_max, "shape",
          "what --evaluate_load_fraction is a fraction of: \"shape\" = the "
          "acked events/s of an unpaced run with the mode's own streams and "
          "batches (measured first, on its own daemon); \"bulk\" = pipeline "
          "A's decided events/s of the full-speed runs (2 streams of "
          "1,000-event batches, a cheaper shape: the definition until "
          "2026-12-04)");
ABSL_FLAG(double, evaluate_load_max_seconds, 10,
          "the unpaced run that measures the \"shape\" maximum sends this "
          "many seconds of events at pipeline A's bulk maximum (as long as "
          "the paced runs, so it includes a checkpoint: a 3 s burst "
          "measured 331K ev/s where 10 s sustain 265K)");
ABSL_FLAG(std::string, evaluate_load_ack_log, "",
          "write every paced batch's send time and ack latency, and every "
          "Evaluate's, to this file (the last run's), to see what a tail "
          "is made of");
ABSL_FLAG(double, evaluate_load_rate, 0,
          "like --evaluate_load_fraction, but this absolute Publish rate "
          "in events/s");
ABSL_FLAG(int, evaluate_load_streams, 100, "paced Publish streams");
ABSL_FLAG(uint32_t, evaluate_load_batch, 100,
          "events per paced Publish message");
ABSL_FLAG(double, evaluate_load_seconds, 10, "length of each paced run");
ABSL_FLAG(int, evaluate_load_gap_us, 2000,
          "pause between two sequential Evaluate calls under load");
ABSL_FLAG(uint64_t, evaluate_load_shard_queue, 0,
          "shard queue capacity of the mode's daemons (0 = the default; "
          "65536 was the default before the Evaluate lane)");
ABSL_FLAG(int, evaluate_idle_calls, 1000,
          "in each run of the mode, first this many sequential Evaluate calls "
          "on the fresh (idle) daemon");

namespace riskflow::loadgen {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The server's view of the Evaluates a phase timed: the stages
// (IngestMetrics::OnEvaluate), then, for comparison, the log's group syncs
// and the shards' commits in the same span.
struct StageSource {
  const char* label;   // as printed
  const char* family;  // the histogram
  const char* stage;   // its `stage` label, or null
};
constexpr StageSource kStages[] = {
    {"log", riskflow::server::IngestMetrics::kEvaluateStages, "log"},
    {"decide", riskflow::server::IngestMetrics::kEvaluateStages, "decide"},
    {"total", riskflow::server::IngestMetrics::kEvaluateStages, "total"},
    {"fsync", riskflow::server::IngestMetrics::kLogSync, nullptr},
    {"commit", riskflow::server::IngestMetrics::kShardCommit, nullptr},
};

std::vector<riskflow::metrics::Histogram::Snapshot> SnapStages(
    riskflow::metrics::Registry* registry) {
  std::vector<riskflow::metrics::Histogram::Snapshot> snaps;
  for (const StageSource& source : kStages) {
    riskflow::metrics::Labels labels;
    if (source.stage != nullptr) labels = {{"stage", source.stage}};
    snaps.push_back(
        registry
            ->GetHistogram(source.family, "",
                           riskflow::server::IngestMetrics::LatencyBounds(),
                           labels)
            ->Snap());
  }
  return snaps;
}

std::string Bound(int64_t us) {
  return us < 0 ? std::string(">1s") : absl::StrCat("<=", us);
}

// Per stage, the bucket upper bounds holding the p50, p90 and p99 of what
// was counted between the two snapshots.
std::string DescribeStages(
    const std::vector<riskflow::metrics::Histogram::Snapshot>& before,
    const std::vector<riskflow::metrics::Histogram::Snapshot>& after) {
  std::string text;
  for (size_t i = 0; i < before.size() && i < after.size(); ++i) {
    riskflow::metrics::Histogram::Snapshot d =
        riskflow::metrics::Since(after[i], before[i]);
    absl::StrAppend(&text, i == 0 ? "" : "; ", kStages[i].label);
    if (d.count == 0) {  // e.g. no commit: clean PASS decisions store nothing
      absl::StrAppend(&text, " none");
      continue;
    }
    absl::StrAppend(
        &text, " p50 ",
        Bound(riskflow::metrics::QuantileUpperBound(d, 0.5)), " p90 ",
        Bound(riskflow::metrics::QuantileUpperBound(d, 0.9)), " p99 ",
        Bound(riskflow::metrics::QuantileUpperBound(d, 0.99)), " us");
  }
  return text;
}

struct RunResult {
  EvaluateResult idle;
  LoadedEvaluateResult loaded;
  std::string idle_stages;
  std::string loaded_stages;
};

// One run on a fresh daemon: `idle_calls` sequential Evaluates while it is
// idle, then `events` Publish events paced at `rate` with Evaluates
// meanwhile. `run` seeds the synthetic streams.
absl::StatusOr<RunResult> RunOnce(
    double rate, uint64_t events, int run, int idle_calls,
    const std::function<riskflow::server::DaemonOptions()>& options) {
  StreamShape shape;
  shape.batch_size = absl::GetFlag(FLAGS_evaluate_load_batch);
  shape.events = events;
  shape.events -= shape.events % shape.batch_size;
  shape.run = 2000 + run;
  std::vector<riskflow::v1::PublishRequest> batches = MakeBatches(shape);
  StreamShape eval_shape = shape;
  eval_shape.events = 20000 + idle_calls;
  eval_shape.batch_size = eval_shape.events;
  eval_shape.run = 3000 + run;
  riskflow::v1::PublishRequest eval_batch = MakeBatches(eval_shape)[0];
  std::vector<riskflow::v1::Event> idle_events(
      eval_batch.events().begin(), eval_batch.events().begin() + idle_calls);
  std::vector<riskflow::v1::Event> eval_events(
      eval_batch.events().begin() + idle_calls, eval_batch.events().end());

  LoadedEvaluateOptions run_options;
  run_options.streams = absl::GetFlag(FLAGS_evaluate_load_streams);
  run_options.events_per_second = rate;
  run_options.evaluate_gap_us = absl::GetFlag(FLAGS_evaluate_load_gap_us);
  run_options.ack_log = absl::GetFlag(FLAGS_evaluate_load_ack_log);

  riskflow::server::DaemonOptions daemon_options = options();
  daemon_options.shard_queue_events =
      absl::GetFlag(FLAGS_evaluate_load_shard_queue);
  auto daemon = riskflow::server::Daemon::Start(daemon_options);
  if (!daemon.ok()) return daemon.status();
  RunResult result;
  absl::Status status;
  if (idle_calls > 0) {
    auto stages_before = SnapStages((*daemon)->metrics());
    absl::StatusOr<EvaluateResult> idle =
        RunEvaluates((*daemon)->address(), idle_events);
    result.idle_stages =
        DescribeStages(stages_before, SnapStages((*daemon)->metrics()));
    if (idle.ok()) {
      result.idle = *idle;
    } else {
      status = absl::Status(idle.status().code(),
                            absl::StrCat("idle Evaluate: ",
                                         idle.status().message()));
    }
  }
  if (status.ok()) {
    auto stages_before = SnapStages((*daemon)->metrics());
    absl::StatusOr<LoadedEvaluateResult> loaded = RunEvaluatesUnderLoad(
        (*daemon)->address(), eval_events, batches, run_options);
    result.loaded_stages =
        DescribeStages(stages_before, SnapStages((*daemon)->metrics()));
    if (loaded.ok()) {
      result.loaded = *loaded;
    } else {
      status = absl::Status(loaded.status().code(),
                            absl::StrCat("Evaluate under load: ",
                                         loaded.status().message()));
    }
  }
  (*daemon)->Shutdown();
  riskflow::loadgen::RemoveDataDir(daemon_options.data_dir);
  if (!status.ok()) return status;
  return result;
}

}  // namespace

bool EvaluateLoadRequested() {
  return absl::GetFlag(FLAGS_evaluate_load_fraction) > 0 ||
         absl::GetFlag(FLAGS_evaluate_load_rate) > 0;
}

bool RunEvaluateLoadMode(
    double max_decided, int repeats,
    const std::function<riskflow::server::DaemonOptions()>& options) {
  const int streams = absl::GetFlag(FLAGS_evaluate_load_streams);
  const uint32_t batch = absl::GetFlag(FLAGS_evaluate_load_batch);
  double rate = absl::GetFlag(FLAGS_evaluate_load_rate);
  std::string of = "set by --evaluate_load_rate";
  if (rate <= 0) {
    const std::string max_kind = absl::GetFlag(FLAGS_evaluate_load_max);
    double max = 0;
    if (max_kind == "bulk") {
      max = max_decided;
      of = absl::StrCat("of pipeline A's max decided ",
                        static_cast<int64_t>(max),
                        " ev/s with 2 streams of 1,000-event batches");
    } else if (max_kind == "shape") {
      // Unpaced: offered far above what the daemon takes, so each stream
      // is held back only by its window of unacknowledged batches. About
      // --evaluate_load_max_seconds of events at the bulk maximum (this
      // shape is slower, so the run lasts somewhat longer).
      const double offered = std::max(1e6, 10 * max_decided);
      const double max_seconds =
          absl::GetFlag(FLAGS_evaluate_load_max_seconds);
      const uint64_t events = static_cast<uint64_t>(
          std::max(100000.0, max_decided * max_seconds));
      absl::StatusOr<RunResult> saturated =
          RunOnce(offered, events, /*run=*/-1, /*idle_calls=*/0, options);
      if (!saturated.ok()) {
        std::fprintf(stderr, "loadgen: maximum of the paced shape: %s\n",
                     std::string(saturated.status().message()).c_str());
        return false;
      }
      max = saturated->loaded.acked_events_per_second;
      of = absl::StrCat("of the max Publish load of this shape, ",
                        static_cast<int64_t>(max), " acked ev/s unpaced");
    } else {
      std::fprintf(stderr,
                   "loadgen: --evaluate_load_max must be \"shape\" or "
                   "\"bulk\", not \"%s\"\n",
                   max_kind.c_str());
      return false;
    }
    rate = absl::GetFlag(FLAGS_evaluate_load_fraction) * max;
  }
  if (rate <= 0) {
    std::fprintf(stderr, "loadgen: no rate for the Evaluate-under-load mode\n");
    return false;
  }
  const double seconds = absl::GetFlag(FLAGS_evaluate_load_seconds);
  std::printf("\nEvaluate under load: Publish paced at %.0f ev/s (%s) over "
              "%d streams, batches of %u, %.0f s per run\n",
              rate, of.c_str(), streams, batch, seconds);
  const int idle_calls = std::max(0, absl::GetFlag(FLAGS_evaluate_idle_calls));
  std::vector<double> p50, p99, ack_p99, ack_p50, acked, idle_p50, idle_p99;
  for (int i = 0; i < repeats; ++i) {
    absl::StatusOr<RunResult> r = RunOnce(
        rate, static_cast<uint64_t>(rate * seconds), i, idle_calls, options);
    if (!r.ok()) {
      std::fprintf(stderr, "loadgen: %s\n",
                   std::string(r.status().message()).c_str());
      return false;
    }
    const EvaluateResult& idle = r->idle;
    const LoadedEvaluateResult& loaded = r->loaded;
    std::printf("run %d evaluate idle: %llu calls p50 %.0f us p99 %.0f us "
                "max %.0f us\n",
                i + 1, static_cast<unsigned long long>(idle.calls),
                idle.p50_us, idle.p99_us, idle.max_us);
    if (idle.calls > 0) {
      std::printf("run %d evaluate idle stages (server side, bucket bounds): "
                  "%s\n",
                  i + 1, r->idle_stages.c_str());
    }
    idle_p50.push_back(idle.p50_us);
    idle_p99.push_back(idle.p99_us);
    std::printf("run %d evaluate under load: %llu calls p50 %.0f us p99 %.0f "
                "us max %.0f us; publish acked %.0f ev/s, ack p50 %.0f us "
                "p99 %.0f us, %llu late batches\n",
                i + 1, static_cast<unsigned long long>(loaded.evaluate.calls),
                loaded.evaluate.p50_us, loaded.evaluate.p99_us,
                loaded.evaluate.max_us, loaded.acked_events_per_second,
                loaded.ack_p50_us, loaded.ack_p99_us,
                static_cast<unsigned long long>(loaded.late_batches));
    std::printf("run %d evaluate stages under load (server side, bucket "
                "bounds): %s\n",
                i + 1, r->loaded_stages.c_str());
    p50.push_back(loaded.evaluate.p50_us);
    p99.push_back(loaded.evaluate.p99_us);
    ack_p50.push_back(loaded.ack_p50_us);
    ack_p99.push_back(loaded.ack_p99_us);
    acked.push_back(loaded.acked_events_per_second);
  }
  std::printf("Evaluate idle (medians): p50 %.0f us, p99 %.0f us\n",
              Median(idle_p50), Median(idle_p99));
  std::printf("Evaluate under load (medians): evaluate p50 %.0f us, p99 %.0f "
              "us; publish acked %.0f ev/s, ack p50 %.0f us, p99 %.0f us\n",
              Median(p50), Median(p99), Median(acked), Median(ack_p50),
              Median(ack_p99));
  return true;
}

}  // namespace riskflow::loadgen
