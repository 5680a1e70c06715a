#ifndef RISKFLOW_PIPELINE_SERVER_SERVER_METRICS_H_
#define RISKFLOW_PIPELINE_SERVER_SERVER_METRICS_H_

// What riskflowd exports on --metrics_listen (the list with meanings is in
// docs/operations.md). Counters that only the ingest path sees are kept
// here; everything else is read at scrape time from where it already
// lives (log, engine, shards, detector slots, outbox, disk guard). The
// latency histograms of what a client's call waits for (the Evaluate's
// stages, the log's syncs, the shards' commits) are registered here too:
// the log and the engine observe theirs through the pointers below.

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "pipeline/metrics/registry.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::server {

struct ServiceContext;

class IngestMetrics {
 public:
  explicit IngestMetrics(metrics::Registry* registry);
  // One Publish ack about to be sent: accepted, duplicate and rejected
  // events (by error code), and the batch itself.
  void OnAck(const riskflow::v1::PublishAck& ack);
  // One Evaluate answered with a decision: microseconds from its arrival
  // to its event being durable (the log), from then to its stored
  // decision (the shard's queue, the detectors, the commit), and in all.
  void OnEvaluate(int64_t log_us, int64_t decide_us);

  // For EventLog::Options::sync_micros and EngineOptions::commit_micros.
  metrics::Histogram* log_sync() const { return log_sync_; }
  metrics::Histogram* shard_commit() const { return shard_commit_; }

  // The latency histograms' names (the Evaluate's with a `stage` label:
  // log, decide, total) and their buckets, 50 µs .. 1 s.
  static constexpr char kEvaluateStages[] =
      "riskflow_evaluate_stage_microseconds";
  static constexpr char kLogSync[] = "riskflow_log_sync_microseconds";
  static constexpr char kShardCommit[] =
      "riskflow_shard_commit_microseconds";
  static const std::vector<int64_t>& LatencyBounds();

 private:
  metrics::Counter* RejectedCounter(int code);

  metrics::Registry* registry_;
  metrics::Counter* accepted_;
  metrics::Counter* duplicates_;
  metrics::Counter* batches_acked_;
  metrics::Counter* batch_errors_;
  metrics::Histogram* evaluate_log_;
  metrics::Histogram* evaluate_decide_;
  metrics::Histogram* evaluate_total_;
  metrics::Histogram* log_sync_;
  metrics::Histogram* shard_commit_;
  std::array<std::atomic<metrics::Counter*>, 32> rejected_{};
};

// Registers the scrape-time collectors over ctx (log, engine, outbox, disk
// guard). Returns the collector id, to remove before ctx's parts die.
int AddDaemonCollectors(metrics::Registry* registry, ServiceContext* ctx);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_SERVER_METRICS_H_
