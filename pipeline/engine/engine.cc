#include "pipeline/engine/engine.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "pipeline/engine/partition.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {

using storage::Cf;

namespace {

constexpr size_t kDefaultMaxBatch = 2048;

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(
    storage::Store* store, std::shared_ptr<plugin_host::Pipeline> pipeline,
    sinks::Outbox* outbox, const lists::ListStore* lists,
    const EngineOptions& options) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->store_ = store;
  engine->outbox_ = outbox;
  engine->start_after_sequence_ = options.start_after_sequence;
  uint32_t shards = options.shards > 0 ? options.shards
                                       : pipeline->config().shards();
  if (shards == 0) shards = std::max(1u, std::thread::hardware_concurrency());
  // Before any shard decides: which accounts the store has holds for.
  if (absl::Status s = engine->held_filter_.Seed(
          store, router::AccountHolds().state_id());
      !s.ok()) {
    return s;
  }
  ShardContext ctx;
  ctx.store = store;
  ctx.held_filter = &engine->held_filter_;
  if (options.stored_key_filter_bytes > 0) {
    // Until its scan of the store's state keys is done the filter answers
    // "maybe", so the shards may start at once.
    engine->stored_keys_ =
        std::make_unique<state::StoredKeyFilter>(options.stored_key_filter_bytes);
    engine->stored_key_scan_ =
        state::StoredKeyScan::Start(store, engine->stored_keys_.get());
    ctx.stored_keys = engine->stored_keys_.get();
  }
  ctx.outbox = outbox;
  ctx.waiters = &engine->waiters_;
  ctx.lists = lists;
  ctx.shard_count = shards;
  ctx.queue_capacity = options.queue_capacity_per_shard;
  ctx.max_batch_events = pipeline->config().max_batch_events() > 0
                             ? pipeline->config().max_batch_events()
                             : kDefaultMaxBatch;
  ctx.max_cached_entities = options.max_cached_entities_per_shard;
  ctx.state_memory_bytes = options.state_memory_bytes_per_shard;
  ctx.allowed_lateness_ms = pipeline->config().allowed_lateness_ms();
  ctx.sync_commits = options.sync_commits;
  ctx.commit_micros = options.commit_micros;
  ctx.decision_observer = options.decision_observer;
  ctx.write_outboxes = options.write_outboxes;
  ctx.store_decisions = options.store_decisions;
  ctx.checkpoint = options.checkpoint;
  ctx.checkpoint.max_dirty_entities = std::max<size_t>(
      1, std::min(options.checkpoint.max_dirty_entities,
                  options.max_cached_entities_per_shard / 2));
  Engine* self = engine.get();
  ctx.on_committed = [self] { self->UpdateExpiryClock(); };
  engine->stages_ = std::make_unique<StageLinks>();
  for (uint32_t i = 0; i < shards; ++i) {
    engine->stages_->mailboxes.push_back(std::make_unique<StageMailbox>());
  }
  engine->stages_->processed_sequence = [self] {
    return self->processed_sequence();
  };
  ctx.stages = engine->stages_.get();
  ctx.catching_up = &engine->shards_catching_up_;
  if (!options.crash_dir.empty()) {
    auto guard = FaultGuard::Open(options.crash_dir,
                                  options.crash_marker_prefix, store, shards,
                                  *pipeline);
    if (!guard.ok()) return guard.status();
    engine->faults_ = std::move(*guard);
  }
  for (uint32_t i = 0; i < shards; ++i) {
    auto shard = std::make_unique<Shard>(i, ctx);
    if (engine->faults_ != nullptr) {
      shard->set_crash_marker(engine->faults_->marker(i));
    }
    auto first = engine->MakeShardPipeline(pipeline, shard.get());
    if (!first.ok()) return first.status();
    shard->SetPipeline(std::move(*first));
    engine->shards_.push_back(std::move(shard));
  }
  if (auto s = engine->versions_.Load(store); !s.ok()) return s;
  {
    // The instances have declared their partition keys by now.
    absl::MutexLock lock(&engine->dispatch_mu_);
    if (auto s = engine->SetStageLayout(*pipeline); !s.ok()) return s;
  }
  absl::MutexLock lock(&engine->pipeline_mu_);
  engine->pipeline_ = std::move(pipeline);
  return engine;
}

absl::StatusOr<std::unique_ptr<ShardPipeline>> Engine::MakeShardPipeline(
    const std::shared_ptr<plugin_host::Pipeline>& pipeline, Shard* shard) {
  auto sp = std::make_unique<ShardPipeline>();
  sp->pipeline = pipeline;
  sp->router = std::make_shared<router::Router>(pipeline->config());
  auto detectors = pipeline->Instantiate(shard->state(), store_);
  if (!detectors.ok()) return detectors.status();
  sp->detectors = std::move(*detectors);
  if (faults_ != nullptr) {
    sp->detectors->SetFaultContainment(shard->crash_marker(),
                                       faults_->quarantine());
  }
  return sp;
}

absl::Status Engine::SetStageLayout(const plugin_host::Pipeline& pipeline) {
  absl::StatusOr<std::shared_ptr<const StageLayout>> layout =
      StageLayout::Of(pipeline);
  if (!layout.ok()) return layout.status();
  // Before any of this version's events is dispatched: from here on
  // checkpoints follow the keyed rule (Shard::AwaitEngineProgress).
  if ((*layout)->keyed()) stages_->keyed.store(true);
  stage_layout_ = std::move(*layout);
  return absl::OkStatus();
}

std::shared_ptr<const plugin_host::Pipeline> Engine::pipeline() const {
  absl::MutexLock lock(&pipeline_mu_);
  return pipeline_;
}

absl::Status Engine::CheckReloadable(const plugin_host::Pipeline& next) const {
  std::shared_ptr<const plugin_host::Pipeline> current = pipeline();
  const riskflow::v1::PipelineConfig& now = current->config();
  const riskflow::v1::PipelineConfig& then = next.config();
  if (then.shards() != now.shards()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "shards: cannot change at run time (", now.shards(), " -> ",
        then.shards(), "); restart riskflowd to change it"));
  }
  if (then.allowed_lateness_ms() != now.allowed_lateness_ms()) {
    return absl::FailedPreconditionError(
        "allowed_lateness: cannot change at run time (the log's watermark "
        "depends on it); restart riskflowd to change it");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Engine::Reload(
    std::shared_ptr<plugin_host::Pipeline> next) {
  absl::MutexLock reload_lock(&reload_mu_);
  if (auto s = CheckReloadable(*next); !s.ok()) return s;
  if (faults_ != nullptr) faults_->ApplyTo(*next);
  // Every instance is created before anything is swapped, so a detector
  // that refuses to start leaves the running version untouched.
  std::vector<std::unique_ptr<ShardPipeline>> swaps;
  for (auto& shard : shards_) {
    auto sp = MakeShardPipeline(next, shard.get());
    if (!sp.ok()) return sp.status();
    swaps.push_back(std::move(*sp));
  }
  // Keys are declared by now; a refusal leaves the running version alone.
  absl::StatusOr<std::shared_ptr<const StageLayout>> next_layout =
      StageLayout::Of(*next);
  if (!next_layout.ok()) return next_layout.status();
  uint64_t after = 0;
  {
    absl::MutexLock lock(&dispatch_mu_);
    after = dispatched_.load();
    // Events after the swap markers are planned with the new version's
    // keys, and run by it on every shard (stage and home alike).
    if ((*next_layout)->keyed()) stages_->keyed.store(true);
    stage_layout_ = std::move(*next_layout);
    if (auto s = versions_.Record(store_, after, next->version_hash());
        !s.ok()) {
      return s;
    }
    for (size_t k = 0; k < shards_.size(); ++k) {
      std::vector<ShardItem> marker(1);
      marker[0].through = after;
      marker[0].swap = std::shared_ptr<ShardPipeline>(std::move(swaps[k]));
      shards_[k]->Enqueue(std::move(marker));
    }
    absl::MutexLock pipeline_lock(&pipeline_mu_);
    pipeline_ = next;
  }
  const absl::Time deadline = absl::Now() + absl::Minutes(1);
  for (auto& shard : shards_) {
    while (shard->active_version() != next->version_hash()) {
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(
            "the new pipeline is queued but a shard has not reached it "
            "within a minute (it is far behind); it will take over there");
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  return after;
}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  for (auto& shard : shards_) shard->Start();
}

void Engine::Stop() {
  if (stopped_.exchange(true)) return;
  if (recovery_thread_.joinable()) {
    // The catch-up waits on shard progress; stopping the shards first
    // would leave it waiting (it gives up on `stopped_`).
    recovery_thread_.join();
  }
  // Every shard's last checkpoint covers the whole log dispatched so far.
  FlushDeferredMarkers();
  // All drain at once: a shard's last checkpoint may wait for the others.
  for (auto& shard : shards_) shard->BeginStop();
  for (auto& shard : shards_) shard->Stop();
  // Before the caller may close the store.
  stored_key_scan_.reset();
}

void Engine::Dispatch(std::vector<log::LoggedEvent> events) {
  if (events.empty()) return;
  absl::MutexLock lock(&dispatch_mu_);
  if (catching_up_) {
    // Durable in the log: the catch-up reads them from there.
    live_seen_through_ =
        std::max(live_seen_through_, events.back().sequence);
    return;
  }
  // Right after the catch-up handed over, the first live call may repeat
  // events the catch-up already read from the log.
  if (events.front().sequence <= dispatched_.load()) {
    const uint64_t done = dispatched_.load();
    events.erase(std::remove_if(events.begin(), events.end(),
                                [done](const log::LoggedEvent& e) {
                                  return e.sequence <= done;
                                }),
                 events.end());
  }
  DispatchLocked(std::move(events), /*recovered_through=*/0);
}

void Engine::DispatchLocked(std::vector<log::LoggedEvent> events,
                            uint64_t recovered_through,
                            const ShardLayouts* recovery,
                            const std::vector<int8_t>* stored) {
  if (events.empty()) return;
  const uint32_t n = shard_count();
  const uint64_t through = events.back().sequence;
  const int64_t watermark = events.back().watermark_ms;
  // Evaluates only, live: markers only for the shards that decide them
  // (an idle Evaluate then wakes one shard thread, not every one; on two
  // cores the others' wake-ups compete with the decision). The rest follow
  // from FlushDeferredMarkers or with the next group. Keyed stages wait on
  // every shard's progress, so they get their markers at once.
  const bool priority_only =
      recovered_through == 0 && !stage_layout_->keyed() &&
      std::all_of(events.begin(), events.end(),
                  [](const log::LoggedEvent& e) { return e.priority; });
  std::vector<std::vector<ShardItem>> per_shard(n);
  // Room for an even split plus slack and the marker: growing a vector
  // moves every Event in it, which showed in replay profiles.
  for (auto& items : per_shard) items.reserve(events.size() / n * 5 / 4 + 2);
  if (stored != nullptr && stored->size() != events.size()) stored = nullptr;
  std::vector<size_t> planned(n);
  if (stage_layout_->keyed()) {
    for (size_t i = 0; i < events.size(); ++i) {
      log::LoggedEvent& e = events[i];
      const bool recovered = e.sequence <= recovered_through;
      if (recovered && stored != nullptr) {
        for (uint32_t k = 0; k < n; ++k) planned[k] = per_shard[k].size();
      }
      const uint64_t sequence = e.sequence;
      PlanKeyedEvent(*stage_layout_, std::move(e), n,
                     recovered ? recovery : nullptr, recovered, &per_shard);
      if (!recovered || stored == nullptr) continue;
      // The decision item among the ones just planned.
      for (uint32_t k = 0; k < n; ++k) {
        for (size_t j = planned[k]; j < per_shard[k].size(); ++j) {
          ShardItem& item = per_shard[k][j];
          if (item.recovered && item.stage_slots == 0 &&
              item.event.sequence == sequence) {
            item.stored_decision = (*stored)[i];
          }
        }
      }
    }
  } else {
    for (size_t i = 0; i < events.size(); ++i) {
      log::LoggedEvent& e = events[i];
      uint32_t k = ShardOf(e.event.account_id(), n);
      ShardItem& item = per_shard[k].emplace_back();
      item.recovered = e.sequence <= recovered_through;
      if (item.recovered && stored != nullptr) {
        item.stored_decision = (*stored)[i];
      }
      item.event = std::move(e);
    }
  }
  // A marker per shard lets idle shards report progress too.
  bool deferred = false;
  for (uint32_t k = 0; k < n; ++k) {
    if (priority_only && per_shard[k].empty()) {
      deferred = true;
      continue;
    }
    ShardItem marker;
    marker.through = through;
    marker.event.watermark_ms = watermark;
    per_shard[k].push_back(std::move(marker));
    shards_[k]->Enqueue(std::move(per_shard[k]));
  }
  dispatched_.store(std::max(dispatched_.load(), through));
  // Every shard not skipped now has the newest marker.
  if (deferred) {
    deferred_through_ = through;
    deferred_watermark_ = watermark;
  }
  markers_deferred_.store(deferred);
}

void Engine::FlushDeferredMarkers() {
  if (!markers_deferred_.load()) return;
  absl::MutexLock lock(&dispatch_mu_);
  if (!markers_deferred_.load()) return;
  markers_deferred_.store(false);
  for (auto& shard : shards_) {
    std::vector<ShardItem> marker(1);
    marker[0].through = deferred_through_;
    marker[0].event.watermark_ms = deferred_watermark_;
    shard->Enqueue(std::move(marker));
  }
}

absl::Status Engine::CheckpointAll(uint64_t sequence, absl::Duration timeout) {
  {
    absl::MutexLock lock(&dispatch_mu_);
    for (auto& shard : shards_) {
      std::vector<ShardItem> marker(1);
      marker[0].checkpoint = true;
      shard->Enqueue(std::move(marker));
    }
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (checkpointed_sequence() < sequence) {
    if (stopped_) return absl::CancelledError("engine stopping");
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "shards did not checkpoint through sequence ", sequence,
          " in time"));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return absl::OkStatus();
}

absl::Status Engine::WaitUntilProcessed(uint64_t sequence,
                                        absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (processed_sequence() < sequence) {
    if (stopped_) return absl::CancelledError("engine stopping");
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
  // Whether the event's shard had committed it is read BEFORE the decision
  // store: a commit that lands in between would otherwise look like a
  // decision that was never stored, i.e. a clean PASS.
  bool committed = false;
  std::optional<log::LoggedEvent> logged;
  if (log_ != nullptr) {
    absl::StatusOr<std::optional<log::LoggedEvent>> read = log_->Read(sequence);
    if (!read.ok()) return read.status();
    logged = std::move(*read);
    if (!logged.has_value()) return std::nullopt;
    const uint32_t k = ShardOf(logged->event.account_id(), shard_count());
    committed = shards_[k]->processed_through() >= sequence;
  }
  std::string value;
  absl::StatusOr<bool> found =
      store_->Get(Cf::kDecisions, storage::SequenceKey(sequence), &value);
  if (!found.ok()) return found.status();
  if (*found) {
    riskflow::v1::Decision d;
    // Never an error (sink_entry.h): a look-up of a decision an older build
    // stored with invalid UTF-8 gets it repaired, and of a garbled one a
    // placeholder with what the log says about the event.
    if (sinks::DecodeDecision(value, absl::StrCat("decision ", sequence),
                              &d) == sinks::DecodeResult::kUnreadable &&
        logged.has_value()) {
      riskflow::v1::Annotation note = d.annotations(0);
      d.Clear();
      FillDecisionHeader(*logged, versions_.VersionAt(sequence), &d);
      note.set_route(riskflow::v1::MANUAL_REVIEW);
      *d.add_annotations() = std::move(note);
      d.add_routes(riskflow::v1::MANUAL_REVIEW);
      d.set_route(riskflow::v1::MANUAL_REVIEW);
    }
    return d;
  }
  // Not stored: not decided yet, or a PASS without annotations (see
  // Shard::ProcessAndCommit), which the log record determines.
  if (!committed) return std::nullopt;
  riskflow::v1::Decision d;
  std::string version = versions_.VersionAt(sequence);
  if (version.empty()) version = pipeline()->version_hash();
  FillDecisionHeader(*logged, version, &d);
  d.add_routes(riskflow::v1::PASS);
  d.set_route(riskflow::v1::PASS);
  return d;
}

absl::StatusOr<riskflow::v1::Decision> Engine::AwaitDecision(
    uint64_t sequence, absl::Time deadline) {
  return waiters_.Wait(sequence, deadline,
                       [this, sequence] { return LookupDecision(sequence); });
}

absl::StatusOr<riskflow::v1::Decision> Engine::AwaitFreshDecision(
    uint64_t sequence, std::string_view account_id, absl::Time deadline) {
  return waiters_.Wait(sequence, deadline,
                       FreshDecisionLookup(sequence, account_id));
}

uint64_t Engine::AwaitDecisionAsync(uint64_t sequence,
                                    DecisionWaiters::Done done) {
  return waiters_.WaitAsync(
      sequence, [this, sequence] { return LookupDecision(sequence); },
      std::move(done));
}

uint64_t Engine::AwaitFreshDecisionAsync(uint64_t sequence,
                                         std::string_view account_id,
                                         DecisionWaiters::Done done) {
  return waiters_.WaitAsync(
      sequence, FreshDecisionLookup(sequence, account_id), std::move(done));
}

bool Engine::CancelDecisionWait(uint64_t sequence, uint64_t token) {
  return waiters_.Cancel(sequence, token);
}

DecisionWaiters::Lookup Engine::FreshDecisionLookup(
    uint64_t sequence, std::string_view account_id) {
  // The waiters register before they call the look-up, and a shard stores
  // its processed_through() before it publishes (both
  // Shard::ProcessAndCommit and Shard::CommitDecisions). So a shard still
  // below `sequence` here publishes the decision to the registered waiter.
  const uint32_t k = ShardOf(account_id, shard_count());
  return [this, sequence,
          k]() -> absl::StatusOr<std::optional<riskflow::v1::Decision>> {
    if (shards_[k]->processed_through() < sequence) return std::nullopt;
    return LookupDecision(sequence);
  };
}

uint64_t Engine::checkpointed_sequence() const {
  uint64_t through = UINT64_MAX;
  for (const auto& shard : shards_) {
    through = std::min(through, shard->checkpointed_through());
  }
  return shards_.empty() ? 0 : through;
}

uint64_t Engine::processed_sequence() const {
  uint64_t through = UINT64_MAX;
  for (const auto& shard : shards_) {
    through = std::min(through, shard->processed_through());
  }
  return shards_.empty() ? 0 : through;
}

void Engine::VisitShards(
    const std::function<void(uint32_t index, const Shard& shard)>& fn) const {
  for (size_t i = 0; i < shards_.size(); ++i) {
    fn(static_cast<uint32_t>(i), *shards_[i]);
  }
}

void Engine::UpdateExpiryClock() {
  // The slowest checkpoint bounds expiry: a lagging shard must still find
  // the buckets its queued events' windows read, and so must a re-run of
  // the log after a checkpoint.
  int64_t clock = INT64_MAX;
  for (const auto& shard : shards_) {
    clock = std::min(clock, shard->checkpointed_watermark());
  }
  if (clock != INT64_MIN && clock != INT64_MAX)
    state::SetExpiryClock(store_, clock);
}

uint64_t Engine::events_processed() const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->events_processed();
  return total;
}

}  // namespace riskflow::engine
