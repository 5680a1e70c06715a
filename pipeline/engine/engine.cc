#include "pipeline/engine/engine.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"
#include "pipeline/engine/partition.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/engine/stored_decisions.h"
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
  // All drain at once: a shard's last checkpoint may wait for the others.
  for (auto& shard : shards_) shard->BeginStop();
  for (auto& shard : shards_) shard->Stop();
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
  for (uint32_t k = 0; k < n; ++k) {
    ShardItem marker;
    marker.through = through;
    marker.event.watermark_ms = watermark;
    per_shard[k].push_back(std::move(marker));
    shards_[k]->Enqueue(std::move(per_shard[k]));
  }
  dispatched_.store(std::max(dispatched_.load(), through));
}

absl::Status Engine::Recover(log::EventLog* log) {
  if (auto s = StartRecovery(log); !s.ok()) return s;
  return WaitRecovered();
}

absl::Status Engine::WaitRecovered() {
  if (recovery_thread_.joinable()) recovery_thread_.join();
  return recovery_status_;
}

absl::Status Engine::StartRecovery(log::EventLog* log) {
  log_ = log;
  const uint32_t n = shard_count();
  absl::StatusOr<ShardLayouts> layouts =
      ShardLayouts::Load(store_, start_after_sequence_);
  if (!layouts.ok()) return layouts.status();
  const std::string before = layouts->Describe();
  // Durably one of the layouts before any shard of it commits, so a kill
  // from here on leaves offsets that the next start reads.
  if (auto s = layouts->Register(store_, n); !s.ok()) return s;
  const std::vector<uint64_t>& resume = layouts->Offsets(n);
  for (uint32_t k = 0; k < n; ++k) shards_[k]->ResumeAfter(resume[k]);
  // Quiet on a fresh store (every replay starts with one).
  const bool announce = log->durable_sequence() > layouts->ScanFrom();
  if (announce) {
    logging::Log(logging::Level::kInfo, {"engine"},
                 absl::StrCat("recovering: ", n, " shards (store layouts ",
                              before, "), re-deciding logged events after "
                              "sequence ", layouts->ScanFrom()));
  }
  {
    absl::MutexLock lock(&dispatch_mu_);
    catching_up_ = true;
  }
  recovering_.store(true);
  shards_catching_up_.store(true);
  recovery_thread_ = std::thread([this, announce,
                                  l = std::move(*layouts)]() mutable {
    const absl::Time started = absl::Now();
    recovery_status_ = CatchUp(std::move(l));
    shards_catching_up_.store(false);
    recovering_.store(false);
    if (!recovery_status_.ok() && !stopped_) {
      logging::Log(logging::Level::kError, {"engine"},
                   absl::StrCat("recovery failed: ",
                                recovery_status_.message(),
                                "; events after the checkpoints may stay "
                                "undecided until a restart"));
    } else if (recovery_status_.ok() && announce) {
      logging::Log(logging::Level::kInfo, {"engine"},
                   absl::StrCat("recovery done in ",
                                absl::FormatDuration(absl::Now() - started)));
    }
  });
  return absl::OkStatus();
}

absl::Status Engine::CatchUp(ShardLayouts layouts) {
  // Events logged before this start may have been decided (their decision
  // stored) after the last checkpoint; later ones cannot have been.
  const uint64_t logged_at_start = log_->durable_sequence();
  const absl::Time catch_up_started = absl::Now();
  uint64_t from = layouts.ScanFrom();
  uint64_t replayed = 0;
  // Which re-run events were decided (and published) before the crash: one
  // forward scan of the decision store alongside the log's.
  StoredDecisionCursor stored_decisions(store_, from, logged_at_start);
  while (true) {
    const uint64_t target = log_->durable_sequence();
    std::vector<log::LoggedEvent> batch;
    std::vector<int8_t> stored;
    auto flush = [&] {
      absl::MutexLock lock(&dispatch_mu_);
      DispatchLocked(std::move(batch), logged_at_start, &layouts, &stored);
      batch.clear();
      stored.clear();
    };
    std::shared_ptr<const StageLayout> stage_layout;
    {
      absl::MutexLock lock(&dispatch_mu_);
      stage_layout = stage_layout_;
    }
    absl::Status scan = log_->Scan(from, [&](log::LoggedEvent&& e) {
      if (e.sequence > target) return false;
      // With keyed stages, an event whose decision is done may still have
      // a stage whose state lacks it (docs/keyed-stages.md, "Recovery").
      if (e.sequence > logged_at_start ||
          (stage_layout->keyed()
               ? NeedsRerun(*stage_layout, layouts, e)
               : !layouts.Decided(e.sequence, e.event.account_id()))) {
        const std::optional<bool> decided =
            e.sequence <= logged_at_start
                ? stored_decisions.Stored(e.sequence)
                : std::nullopt;
        stored.push_back(decided.has_value() ? (*decided ? 1 : 0) : -1);
        batch.push_back(std::move(e));
        ++replayed;
        if (batch.size() >= 4096) flush();
      }
      return !stopped_;
    });
    if (!scan.ok()) {
      absl::MutexLock lock(&dispatch_mu_);
      catching_up_ = false;  // the live dispatch goes on regardless
      return scan;
    }
    flush();
    if (stopped_) {
      // The scan may have stopped short of `target`: no marker may claim
      // events it never dispatched (a shard's last checkpoint would cover
      // them). What was dispatched carries its own markers.
      absl::MutexLock lock(&dispatch_mu_);
      catching_up_ = false;
      return absl::CancelledError("engine stopping during recovery");
    }
    from = std::max(from, target);
    absl::MutexLock lock(&dispatch_mu_);
    if (live_seen_through_ <= from) {
      // Caught up: markers bring every shard's progress to `from` (also
      // shards whose events were all decided), then the live dispatch
      // takes over.
      if (from > 0) {
        for (auto& shard : shards_) {
          std::vector<ShardItem> marker(1);
          marker[0].through = from;
          shard->Enqueue(std::move(marker));
        }
        dispatched_.store(std::max(dispatched_.load(), from));
      }
      catching_up_ = false;
      break;
    }
  }
  if (from > 0) {
    if (auto s = WaitUntilProcessed(from, absl::Hours(24)); !s.ok()) {
      return s;
    }
  }
  // Every event of the tail is decided and the live dispatch has taken
  // over: caught up. What remains is bookkeeping for the next start (the
  // end checkpoint and the layouts' collapse), written while live events
  // flow, as any checkpoint is; a kill before it is done re-runs the tail
  // from the older checkpoints, as a kill during the catch-up does.
  shards_catching_up_.store(false);
  recovering_.store(false);
  if (replayed > 0) {
    logging::Log(logging::Level::kInfo, {"engine"},
                 absl::StrCat("recovery caught up: ", replayed,
                              " events re-run in ",
                              absl::FormatDuration(absl::Now() -
                                                   catch_up_started),
                              "; writing the end checkpoint"));
  }
  if (from > 0) {
    // Everything up to `from` in one checkpoint per shard before the
    // layouts collapse: after the collapse, only the checkpoints say what
    // is decided.
    if (auto s = CheckpointAll(from, absl::Hours(24)); !s.ok()) return s;
  }
  // Later lookups of clean PASS decisions after `from` name this version.
  if (auto s = versions_.Record(store_, from, pipeline()->version_hash());
      !s.ok()) {
    return s;
  }
  uint64_t rerun = 0;
  for (auto& shard : shards_) rerun += shard->recovered_already_decided();
  if (replayed > 0) {
    logging::Log(logging::Level::kInfo, {"engine"},
                 absl::StrCat("recovered ", replayed, " events after the "
                              "checkpoints (", rerun, " of them decided "
                              "before the crash: re-run for state, not "
                              "published again)"));
  }
  // One layout again, with every shard checkpointed at or beyond `from`.
  return layouts.Collapse(store_, shard_count(), from);
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
  // DecisionWaiters::Wait registers before it calls the look-up, and a
  // shard stores its processed_through() before it publishes (both
  // Shard::ProcessAndCommit and Shard::CommitDecisions). So a shard still
  // below `sequence` here publishes the decision to the registered waiter.
  const uint32_t k = ShardOf(account_id, shard_count());
  return waiters_.Wait(
      sequence, deadline,
      [this, sequence, k]()
          -> absl::StatusOr<std::optional<riskflow::v1::Decision>> {
        if (shards_[k]->processed_through() < sequence) return std::nullopt;
        return LookupDecision(sequence);
      });
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
