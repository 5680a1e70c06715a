#include "pipeline/server/server_metrics.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/engine/engine.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/server/services.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/storage/disk_guard.h"

namespace riskflow::server {

using metrics::Labels;
using metrics::TextWriter;

IngestMetrics::IngestMetrics(metrics::Registry* registry)
    : registry_(registry) {
  constexpr char kEvents[] = "riskflow_ingest_events_total";
  constexpr char kEventsHelp[] =
      "Events answered in Publish acks, by result (accepted: logged durably; "
      "duplicate: a re-sent event_id; rejected: refused with a per-event "
      "error code).";
  accepted_ = registry->GetCounter(kEvents, kEventsHelp,
                                   {{"result", "accepted"}});
  duplicates_ = registry->GetCounter(kEvents, kEventsHelp,
                                     {{"result", "duplicate"}});
  constexpr char kBatches[] = "riskflow_ingest_batches_total";
  constexpr char kBatchesHelp[] =
      "Publish batches acknowledged (acked), or refused whole with a "
      "batch_error (batch_error).";
  batches_acked_ =
      registry->GetCounter(kBatches, kBatchesHelp, {{"result", "acked"}});
  batch_errors_ =
      registry->GetCounter(kBatches, kBatchesHelp, {{"result", "batch_error"}});
  constexpr char kStagesHelp[] =
      "Evaluate calls answered with a decision, by stage: log (arrival to "
      "the event being durable: the group commit's fdatasync), decide "
      "(durable to decided and committed: the shard's queue, the detectors, "
      "the commit), total (arrival to decided).";
  evaluate_log_ = registry->GetHistogram(kEvaluateStages, kStagesHelp,
                                         LatencyBounds(),
                                         {{"stage", "log"}});
  evaluate_decide_ = registry->GetHistogram(kEvaluateStages, kStagesHelp,
                                            LatencyBounds(),
                                            {{"stage", "decide"}});
  evaluate_total_ = registry->GetHistogram(kEvaluateStages, kStagesHelp,
                                           LatencyBounds(),
                                           {{"stage", "total"}});
  log_sync_ = registry->GetHistogram(
      kLogSync,
      "The event log's group syncs (fdatasync of the records written since "
      "the last one): what every durable ack and Evaluate waits for.",
      LatencyBounds());
  shard_commit_ = registry->GetHistogram(
      kShardCommit,
      "Each shard's micro-batch commit (decisions, sink entries, holds: one "
      "RocksDB write, retries included): what an Evaluate waits for after "
      "its decision is made.",
      LatencyBounds());
}

const std::vector<int64_t>& IngestMetrics::LatencyBounds() {
  static const auto* bounds = new std::vector<int64_t>{
      50,   100,  150,  200,   300,   400,   500,   750,
      1000, 1500, 2000, 3000,  4000,  5000,  7500,  10000,
      15000, 20000, 30000, 50000, 100000, 250000, 1000000};
  return *bounds;
}

void IngestMetrics::OnEvaluate(int64_t log_us, int64_t decide_us) {
  evaluate_log_->Observe(log_us);
  evaluate_decide_->Observe(decide_us);
  evaluate_total_->Observe(log_us + decide_us);
}

metrics::Counter* IngestMetrics::RejectedCounter(int code) {
  const size_t slot =
      code >= 0 && static_cast<size_t>(code) < rejected_.size() ? code : 0;
  metrics::Counter* c = rejected_[slot].load(std::memory_order_acquire);
  if (c != nullptr) return c;
  const std::string name =
      riskflow::v1::EventErrorCode_IsValid(code)
          ? riskflow::v1::EventErrorCode_Name(
                static_cast<riskflow::v1::EventErrorCode>(code))
          : absl::StrCat("CODE_", code);
  c = registry_->GetCounter(
      "riskflow_ingest_events_total", "",
      {{"result", "rejected"}, {"code", slot == 0 && code != 0 ? "OTHER" : name}});
  rejected_[slot].store(c, std::memory_order_release);
  return c;
}

void IngestMetrics::OnAck(const riskflow::v1::PublishAck& ack) {
  batches_acked_->Add();
  if (!ack.batch_error().empty()) batch_errors_->Add();
  if (ack.accepted() > 0) accepted_->Add(ack.accepted());
  if (ack.duplicates_size() > 0) duplicates_->Add(ack.duplicates_size());
  for (const riskflow::v1::EventError& e : ack.errors()) {
    RejectedCounter(e.code())->Add();
  }
}

namespace {

void Gauge(TextWriter& w, const char* name, const char* help, int64_t v) {
  w.Family(name, help, "gauge");
  w.Sample(name, {}, v);
}

void WriteEngine(TextWriter& w, ServiceContext* ctx) {
  const uint64_t durable = ctx->log->durable_sequence();
  const uint64_t processed = ctx->engine->processed_sequence();
  Gauge(w, "riskflow_log_durable_sequence",
        "Highest event-log sequence that is durable (acked).",
        static_cast<int64_t>(durable));
  Gauge(w, "riskflow_engine_processed_sequence",
        "Every event up to this sequence has a decision.",
        static_cast<int64_t>(processed));
  Gauge(w, "riskflow_engine_lag_events",
        "durable_sequence - processed_sequence: acked events not yet "
        "decided.",
        durable > processed ? static_cast<int64_t>(durable - processed) : 0);
  Gauge(w, "riskflow_log_pending_events",
        "Events submitted to the log and waiting for its writer (intake "
        "queue depth).",
        static_cast<int64_t>(ctx->log->pending_events()));
  w.Family("riskflow_engine_events_processed_total",
           "Events decided by the engine since start.", "counter");
  w.Sample("riskflow_engine_events_processed_total", {},
           ctx->engine->events_processed());

  w.Family("riskflow_shard_queue_depth",
           "Items waiting in each shard's queue.", "gauge");
  std::vector<std::pair<std::string, uint64_t>> through;
  ctx->engine->VisitShards([&](uint32_t i, const engine::Shard& shard) {
    w.Sample("riskflow_shard_queue_depth", {{"shard", absl::StrCat(i)}},
             static_cast<uint64_t>(shard.queue_depth()));
    through.emplace_back(absl::StrCat(i), shard.processed_through());
  });
  w.Family("riskflow_state_store_reads_total",
           "State cache misses by outcome: read (from RocksDB) or skipped "
           "(the stored-key filter proved nothing of it is stored).",
           "counter");
  ctx->engine->VisitShards([&](uint32_t i, const engine::Shard& shard) {
    const state::ShardState::StoreReads r = shard.state_store_reads();
    w.Sample("riskflow_state_store_reads_total",
             {{"shard", absl::StrCat(i)}, {"result", "read"}}, r.done);
    w.Sample("riskflow_state_store_reads_total",
             {{"shard", absl::StrCat(i)}, {"result", "skipped"}}, r.skipped);
  });
  w.Family("riskflow_shard_processed_sequence",
           "Each shard has decided its events up to this sequence.", "gauge");
  for (const auto& [shard, seq] : through) {
    w.Sample("riskflow_shard_processed_sequence", {{"shard", shard}}, seq);
  }
}

void WriteDetectors(TextWriter& w, ServiceContext* ctx) {
  std::shared_ptr<const plugin_host::Pipeline> pipeline =
      ctx->engine->pipeline();
  const auto& slots = pipeline->detectors();
  auto labels = [](const plugin_host::DetectorSlot& s) {
    return Labels{{"detector", s.config.name()}};
  };
  w.Family("riskflow_detector_latency_us",
           "Wall time of each detector call in microseconds (all shards; "
           "since the running pipeline version was loaded).",
           "histogram");
  for (const auto& s : slots) {
    w.HistogramSamples("riskflow_detector_latency_us", labels(*s),
                       s->latency_us.Snap());
  }
  w.Family("riskflow_detector_faults_total",
           "Detector calls that failed (error, exception, bad host call).",
           "counter");
  for (const auto& s : slots) {
    w.Sample("riskflow_detector_faults_total", labels(*s), s->faults.load());
  }
  w.Family("riskflow_detector_overruns_total",
           "Detector calls that exceeded their time budget.", "counter");
  for (const auto& s : slots) {
    w.Sample("riskflow_detector_overruns_total", labels(*s),
             s->overruns.load());
  }
  w.Family("riskflow_detector_quarantined",
           "1 while the detector is quarantined (not called; its events get "
           "its on_error route).",
           "gauge");
  int64_t quarantined = 0;
  for (const auto& s : slots) {
    const bool q = s->quarantined.load();
    quarantined += q ? 1 : 0;
    w.Sample("riskflow_detector_quarantined", labels(*s), int64_t{q ? 1 : 0});
  }
  Gauge(w, "riskflow_detectors_quarantined",
        "Detectors quarantined in the running pipeline.", quarantined);
  w.Family("riskflow_freeze_cap_hits_total",
           "FREEZE routes of the detector turned into MANUAL_REVIEW by its "
           "FREEZE-per-minute cap (docs/plugin-output-and-guard-rails.md).",
           "counter");
  for (const auto& s : slots) {
    w.Sample("riskflow_freeze_cap_hits_total", labels(*s),
             s->freeze_cap_hits.load());
  }
}

void WriteSinks(TextWriter& w, ServiceContext* ctx) {
  w.Family("riskflow_sink_last_sequence",
           "Newest entry in each sink's outbox.", "gauge");
  for (riskflow::v1::Route sink :
       {riskflow::v1::FREEZE, riskflow::v1::MANUAL_REVIEW,
        riskflow::v1::NOTIFY}) {
    w.Sample("riskflow_sink_last_sequence",
             {{"sink", riskflow::v1::Route_Name(sink)}},
             ctx->outbox->LastSequence(sink));
  }
  auto cursors = ctx->outbox->ListCursors();
  if (!cursors.ok()) return;
  w.Family("riskflow_sink_consumer_backlog",
           "Entries after a consumer's committed cursor (outbox last "
           "sequence - cursor).",
           "gauge");
  for (const auto& c : *cursors) {
    const uint64_t last = ctx->outbox->LastSequence(c.sink);
    w.Sample("riskflow_sink_consumer_backlog",
             {{"sink", riskflow::v1::Route_Name(c.sink)},
              {"consumer", c.consumer}},
             last > c.sequence ? last - c.sequence : uint64_t{0});
  }
}

void WriteDisk(TextWriter& w, const storage::DiskGuard& guard,
               const std::vector<storage::Store*>& stores) {
  Gauge(w, "riskflow_disk_free_bytes",
        "Free bytes on the filesystem of --data_dir (last measurement).",
        static_cast<int64_t>(guard.free_bytes() == UINT64_MAX
                                 ? 0
                                 : guard.free_bytes()));
  Gauge(w, "riskflow_disk_min_free_bytes",
        "Reserve below which new events are refused (--min_free_disk_mb).",
        static_cast<int64_t>(guard.min_free_bytes()));
  Gauge(w, "riskflow_disk_refusing",
        "1 while new events are refused for lack of disk space or a stopped "
        "store.",
        int64_t{guard.closed() ? 1 : 0});
  w.Family("riskflow_disk_refusals_total",
           "Publish batches and Evaluate calls refused by the disk guard.",
           "counter");
  w.Sample("riskflow_disk_refusals_total", {}, guard.refusals());
  w.Family("riskflow_store_write_stopped",
           "1 while a RocksDB store refuses writes after a background error.",
           "gauge");
  for (storage::Store* s : stores) {
    w.Sample("riskflow_store_write_stopped", {{"store", s->name()}},
             int64_t{s->write_stopped() ? 1 : 0});
  }
  w.Family("riskflow_store_background_errors_total",
           "RocksDB background errors (failed WAL appends, flushes, "
           "compactions).",
           "counter");
  for (storage::Store* s : stores) {
    w.Sample("riskflow_store_background_errors_total", {{"store", s->name()}},
             s->background_errors());
  }
  w.Family("riskflow_store_sst_bytes", "Size of the store's table files.",
           "gauge");
  for (storage::Store* s : stores) {
    w.Sample("riskflow_store_sst_bytes", {{"store", s->name()}},
             s->sst_bytes());
  }
}

}  // namespace

int AddDaemonCollectors(metrics::Registry* registry, ServiceContext* ctx) {
  return registry->AddCollector([ctx](TextWriter& w) {
    Gauge(w, "riskflow_up", "1 while riskflowd runs.", 1);
    const bool refusing =
        ctx->disk_guard != nullptr && ctx->disk_guard->closed();
    Gauge(w, "riskflow_serving",
          "1 while riskflowd accepts new events (not shutting down, disk "
          "guard open).",
          int64_t{!ctx->shutting_down.load() && !refusing ? 1 : 0});
    w.Family("riskflow_events_rejected_total",
             "Events refused at validation (Publish and Evaluate).",
             "counter");
    w.Sample("riskflow_events_rejected_total", {},
             ctx->events_rejected.load());
    if (ctx->log != nullptr && ctx->engine != nullptr) WriteEngine(w, ctx);
    if (ctx->engine != nullptr) WriteDetectors(w, ctx);
    if (ctx->outbox != nullptr) WriteSinks(w, ctx);
    if (ctx->disk_guard != nullptr) {
      WriteDisk(w, *ctx->disk_guard, ctx->metric_stores);
    }
  });
}

}  // namespace riskflow::server
