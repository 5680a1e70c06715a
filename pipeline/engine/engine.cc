#include "pipeline/engine/engine.h"

#include <algorithm>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/engine/partition.h"
#include "pipeline/log/log_keys.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {

using state::Cf;

namespace {

constexpr char kMetaShardCount[] = "engine/shards";
constexpr size_t kDefaultMaxBatch = 2048;

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(
    state::Store* store, plugin_host::Pipeline* pipeline,
    sinks::Outbox* outbox, const EngineOptions& options) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->store_ = store;
  engine->pipeline_ = pipeline;
  engine->outbox_ = outbox;
  engine->router_ = std::make_unique<router::Router>(pipeline->config());
  uint32_t shards = options.shards > 0 ? options.shards
                                       : pipeline->config().shards();
  if (shards == 0) shards = std::max(1u, std::thread::hardware_concurrency());
  ShardContext ctx;
  ctx.store = store;
  ctx.outbox = outbox;
  ctx.waiters = &engine->waiters_;
  ctx.pipeline = pipeline;
  ctx.router = engine->router_.get();
  ctx.shard_count = shards;
  ctx.queue_capacity = options.queue_capacity_per_shard;
  ctx.max_batch_events = pipeline->config().max_batch_events() > 0
                             ? pipeline->config().max_batch_events()
                             : kDefaultMaxBatch;
  ctx.max_cached_entities = options.max_cached_entities_per_shard;
  ctx.allowed_lateness_ms = pipeline->config().allowed_lateness_ms();
  ctx.sync_commits = options.sync_commits;
  Engine* self = engine.get();
  ctx.on_committed = [self] { self->UpdateExpiryClock(); };
  for (uint32_t i = 0; i < shards; ++i) {
    auto shard = std::make_unique<Shard>(i, ctx);
    if (auto s = shard->Init(); !s.ok()) return s;
    engine->shards_.push_back(std::move(shard));
  }
  return engine;
}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  for (auto& shard : shards_) shard->Start();
}

void Engine::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& shard : shards_) shard->Stop();
}

void Engine::Dispatch(std::vector<log::LoggedEvent> events) {
  if (events.empty()) return;
  const uint32_t n = shard_count();
  const uint64_t through = events.back().sequence;
  const int64_t watermark = events.back().watermark_ms;
  std::vector<std::vector<ShardItem>> per_shard(n);
  for (log::LoggedEvent& e : events) {
    uint32_t k = ShardOf(e.event.account_id(), n);
    per_shard[k].push_back(ShardItem{0, std::move(e)});
  }
  // A marker per shard lets idle shards report progress too.
  for (uint32_t k = 0; k < n; ++k) {
    ShardItem marker;
    marker.through = through;
    marker.event.watermark_ms = watermark;
    per_shard[k].push_back(std::move(marker));
    shards_[k]->Enqueue(std::move(per_shard[k]));
  }
  dispatched_.store(through);
}

absl::Status Engine::Recover(log::EventLog* log) {
  log_ = log;
  const uint32_t n = shard_count();
  uint32_t old_count = n;
  std::string value;
  absl::StatusOr<bool> found = store_->Get(Cf::kMeta, kMetaShardCount, &value);
  if (!found.ok()) return found.status();
  if (*found && !absl::SimpleAtoi(value, &old_count)) {
    return absl::DataLossError("engine/shards in the store is not a number");
  }
  std::vector<uint64_t> offsets(old_count, 0);
  for (uint32_t k = 0; k < old_count; ++k) {
    absl::StatusOr<bool> has =
        store_->Get(Cf::kMeta, Shard::OffsetKey(old_count, k), &value);
    if (!has.ok()) return has.status();
    if (*has) log::DecodeSequenceKey(value, &offsets[k]);
  }
  const uint64_t from = *std::min_element(offsets.begin(), offsets.end());
  std::vector<log::LoggedEvent> batch;
  uint64_t replayed = 0;
  absl::Status scan = log->Scan(from, [&](log::LoggedEvent&& e) {
    if (e.sequence > offsets[ShardOf(e.event.account_id(), old_count)]) {
      batch.push_back(std::move(e));
      ++replayed;
      if (batch.size() >= 4096) {
        Dispatch(std::move(batch));
        batch.clear();
      }
    }
    return true;
  });
  if (!scan.ok()) return scan;
  Dispatch(std::move(batch));
  const uint64_t last = log->durable_sequence();
  if (last > 0) {
    // Markers bring every shard's progress up to the log's end.
    for (auto& shard : shards_) {
      std::vector<ShardItem> marker(1);
      marker[0].through = last;
      shard->Enqueue(std::move(marker));
    }
  }
  if (auto s = WaitUntilProcessed(last, absl::Hours(24)); !s.ok()) return s;
  if (replayed > 0) {
    std::fprintf(stderr, "riskflowd: recovered %llu unprocessed events\n",
                 static_cast<unsigned long long>(replayed));
  }
  // Record the layout now in use, with every shard at the log's end.
  rocksdb::WriteBatch meta;
  meta.Put(store_->handle(Cf::kMeta), kMetaShardCount, absl::StrCat(n));
  for (uint32_t k = 0; k < n; ++k) {
    meta.Put(store_->handle(Cf::kMeta), Shard::OffsetKey(n, k),
             log::SequenceKey(last));
  }
  return store_->Write(&meta, /*sync=*/true);
}

absl::Status Engine::WaitUntilProcessed(uint64_t sequence,
                                        absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (processed_sequence() < sequence) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "engine did not process through sequence ", sequence, " in time"));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<riskflow::v1::Decision>> Engine::LookupDecision(
    uint64_t sequence) {
  std::string value;
  absl::StatusOr<bool> found =
      store_->Get(Cf::kDecisions, log::SequenceKey(sequence), &value);
  if (!found.ok()) return found.status();
  if (!*found) {
    // Not stored: either not decided yet, or a PASS without annotations
    // (see Shard::ProcessAndCommit), which the log record determines.
    if (log_ == nullptr) return std::nullopt;
    absl::StatusOr<std::optional<log::LoggedEvent>> logged =
        log_->Read(sequence);
    if (!logged.ok()) return logged.status();
    if (!logged->has_value()) return std::nullopt;
    const log::LoggedEvent& e = **logged;
    const uint32_t k = ShardOf(e.event.account_id(), shard_count());
    if (shards_[k]->processed_through() < sequence) return std::nullopt;
    riskflow::v1::Decision d;
    FillDecisionHeader(e, pipeline_->version_hash(), &d);
    d.add_routes(riskflow::v1::PASS);
    d.set_route(riskflow::v1::PASS);
    return d;
  }
  riskflow::v1::Decision d;
  if (!d.ParseFromString(value)) {
    return absl::DataLossError(
        absl::StrCat("decision for sequence ", sequence, " is unreadable"));
  }
  return d;
}

absl::StatusOr<riskflow::v1::Decision> Engine::AwaitDecision(
    uint64_t sequence, absl::Time deadline) {
  return waiters_.Wait(sequence, deadline,
                       [this, sequence] { return LookupDecision(sequence); });
}

uint64_t Engine::processed_sequence() const {
  uint64_t through = UINT64_MAX;
  for (const auto& shard : shards_) {
    through = std::min(through, shard->processed_through());
  }
  return shards_.empty() ? 0 : through;
}

void Engine::UpdateExpiryClock() {
  // The slowest shard bounds expiry: a lagging shard must still find the
  // buckets its queued events' windows read.
  int64_t clock = INT64_MAX;
  for (const auto& shard : shards_) {
    clock = std::min(clock, shard->committed_watermark());
  }
  if (clock != INT64_MIN && clock != INT64_MAX) store_->SetExpiryClock(clock);
}

uint64_t Engine::events_processed() const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->events_processed();
  return total;
}

}  // namespace riskflow::engine
