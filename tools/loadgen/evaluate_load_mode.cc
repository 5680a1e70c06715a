#include "tools/loadgen/evaluate_load_mode.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/flags/flag.h"
#include "tools/loadgen/evaluate_runner.h"
#include "tools/loadgen/synthetic_stream.h"

ABSL_FLAG(double, evaluate_load_fraction, 0,
          "also measure Evaluate latency and Publish ack latency with "
          "Publish paced at this fraction of pipeline A's decided events/s "
          "of the same run (0 = off); docs/evaluate-lane.md");
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

}  // namespace

bool EvaluateLoadRequested() {
  return absl::GetFlag(FLAGS_evaluate_load_fraction) > 0 ||
         absl::GetFlag(FLAGS_evaluate_load_rate) > 0;
}

bool RunEvaluateLoadMode(
    double max_decided, int repeats,
    const std::function<riskflow::server::DaemonOptions()>& options) {
  double rate = absl::GetFlag(FLAGS_evaluate_load_rate);
  if (rate <= 0) rate = absl::GetFlag(FLAGS_evaluate_load_fraction) * max_decided;
  if (rate <= 0) {
    std::fprintf(stderr, "loadgen: no rate for the Evaluate-under-load mode\n");
    return false;
  }
  const double seconds = absl::GetFlag(FLAGS_evaluate_load_seconds);
  StreamShape shape;
  shape.batch_size = absl::GetFlag(FLAGS_evaluate_load_batch);
  shape.events = static_cast<uint64_t>(rate * seconds);
  shape.events -= shape.events % shape.batch_size;
  LoadedEvaluateOptions run_options;
  run_options.streams = absl::GetFlag(FLAGS_evaluate_load_streams);
  run_options.events_per_second = rate;
  run_options.evaluate_gap_us = absl::GetFlag(FLAGS_evaluate_load_gap_us);
  std::printf("\nEvaluate under load: Publish paced at %.0f ev/s (max decided "
              "%.0f) over %d streams, batches of %u, %.0f s per run\n",
              rate, max_decided, run_options.streams, shape.batch_size,
              seconds);
  std::vector<double> p50, p99, ack_p99, ack_p50, acked, idle_p50, idle_p99;
  for (int i = 0; i < repeats; ++i) {
    shape.run = 2000 + i;
    std::vector<riskflow::v1::PublishRequest> batches = MakeBatches(shape);
    StreamShape eval_shape = shape;
    const int idle_calls = std::max(0, absl::GetFlag(FLAGS_evaluate_idle_calls));
    eval_shape.events = 20000 + idle_calls;
    eval_shape.batch_size = eval_shape.events;
    eval_shape.run = 3000 + i;
    riskflow::v1::PublishRequest eval_batch = MakeBatches(eval_shape)[0];
    std::vector<riskflow::v1::Event> idle_events(
        eval_batch.events().begin(), eval_batch.events().begin() + idle_calls);
    std::vector<riskflow::v1::Event> eval_events(
        eval_batch.events().begin() + idle_calls, eval_batch.events().end());
    riskflow::server::DaemonOptions daemon_options = options();
    daemon_options.shard_queue_events =
        absl::GetFlag(FLAGS_evaluate_load_shard_queue);
    auto daemon = riskflow::server::Daemon::Start(daemon_options);
    if (!daemon.ok()) {
      std::fprintf(stderr, "loadgen: %s\n",
                   std::string(daemon.status().message()).c_str());
      return false;
    }
    absl::StatusOr<EvaluateResult> idle = EvaluateResult();
    if (idle_calls > 0) idle = RunEvaluates((*daemon)->address(), idle_events);
    if (!idle.ok()) {
      std::fprintf(stderr, "loadgen: idle Evaluate: %s\n",
                   std::string(idle.status().message()).c_str());
      return false;
    }
    auto r = RunEvaluatesUnderLoad((*daemon)->address(), eval_events, batches,
                                   run_options);
    (*daemon)->Shutdown();
    std::string cleanup = "rm -rf " + daemon_options.data_dir;
    if (std::system(cleanup.c_str()) != 0) {
      std::fprintf(stderr, "loadgen: could not remove %s\n",
                   daemon_options.data_dir.c_str());
    }
    if (!r.ok()) {
      std::fprintf(stderr, "loadgen: Evaluate under load: %s\n",
                   std::string(r.status().message()).c_str());
      return false;
    }
    std::printf("run %d evaluate idle: %llu calls p50 %.0f us p99 %.0f us "
                "max %.0f us\n",
                i + 1, static_cast<unsigned long long>(idle->calls),
                idle->p50_us, idle->p99_us, idle->max_us);
    idle_p50.push_back(idle->p50_us);
    idle_p99.push_back(idle->p99_us);
    std::printf("run %d evaluate under load: %llu calls p50 %.0f us p99 %.0f "
                "us max %.0f us; publish acked %.0f ev/s, ack p50 %.0f us "
                "p99 %.0f us, %llu late batches\n",
                i + 1, static_cast<unsigned long long>(r->evaluate.calls),
                r->evaluate.p50_us, r->evaluate.p99_us, r->evaluate.max_us,
                r->acked_events_per_second, r->ack_p50_us, r->ack_p99_us,
                static_cast<unsigned long long>(r->late_batches));
    p50.push_back(r->evaluate.p50_us);
    p99.push_back(r->evaluate.p99_us);
    ack_p50.push_back(r->ack_p50_us);
    ack_p99.push_back(r->ack_p99_us);
    acked.push_back(r->acked_events_per_second);
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
