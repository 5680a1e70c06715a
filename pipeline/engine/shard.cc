#include "pipeline/engine/shard.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/common/background_thread.h"
#include "pipeline/common/logger.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/lists/apply_lists.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::engine {

using storage::Cf;

Shard::Shard(uint32_t index, const ShardContext& ctx)
    : index_(index),
      ctx_(ctx),
      state_(std::make_unique<state::ShardState>(
          ctx.store, ctx.max_cached_entities, ctx.allowed_lateness_ms)),
      // An Evaluate's event ends its micro-batch (docs/evaluate-lane.md).
      queue_(ctx.queue_capacity,
             [](const ShardItem& item) { return item.event.priority; }) {
  static_assert(kHintRing > state::ShardState::kPrefetchStages,
                "an event's hints must outlive its prefetch window");
  const char* hints = std::getenv("RISKFLOW_ENTITY_HINTS");
  hints_on_ = hints == nullptr || std::string_view(hints) != "0";
  state_->SetMemoryBudget(ctx.state_memory_bytes);
  state_->UseStoredKeyFilter(ctx.stored_keys);
  holds_.RegisterStates(ctx.store);
  holds_.UseFilter(ctx.held_filter);
  commit_target_.store = ctx.store;
  commit_target_.outbox = ctx.outbox;
  commit_target_.shard_count = ctx.shard_count;
  commit_target_.shard_index = index;
  commit_target_.sync = ctx.sync_commits;
  commit_target_.store_decisions = ctx.store_decisions;
  commit_target_.write_outboxes = ctx.write_outboxes;
  if (ctx.checkpoint.background) {
    writer_ = std::make_unique<CheckpointWriter>(
        commit_target_, &stopping_, &log_limiter_,
        ctx.checkpoint.write_hook_for_testing,
        [this](uint64_t through, int64_t watermark) {
          // Only once the write committed (docs/checkpoints.md).
          checkpointed_.store(through);
          checkpoint_watermark_.store(watermark);
        });
  }
}

Shard::~Shard() { Stop(); }

void Shard::SetPipeline(std::unique_ptr<ShardPipeline> first) {
  current_ = std::move(first);
  ResetFreezeCap();
  absl::MutexLock lock(&version_mu_);
  active_version_ = current_->pipeline->version_hash();
}

std::string Shard::active_version() const {
  absl::MutexLock lock(&version_mu_);
  return active_version_;
}

void Shard::Start() {
  thread_ = std::thread([this] {
    NameThisThread("shard-" + std::to_string(index_));
    Loop();
  });
}

void Shard::Enqueue(std::vector<ShardItem>&& items) {
  queue_.PushAll(std::move(items));
}

void Shard::BeginStop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  queue_.Close();
}

void Shard::Stop() {
  BeginStop();
  if (thread_.joinable()) thread_.join();
}

void Shard::ResumeAfter(uint64_t offset) {
  through_.store(offset);
  checkpointed_.store(offset);
  // This shard never re-decides events up to its offset: partials for them
  // (stage shards re-running their state) are dropped.
  if (ctx_.stages != nullptr && index_ < ctx_.stages->mailboxes.size()) {
    ctx_.stages->mailboxes[index_]->SetDecidedThrough(offset);
  }
}

void Shard::Loop() {
  if (crash_marker_ != nullptr) crash_marker_->AttachThread();
  std::vector<ShardItem> items;
  items.reserve(ctx_.max_batch_events);
  spare_decisions_.reserve(ctx_.max_batch_events);
  while (true) {
    items.clear();
    // Idle with a checkpoint pending: slice on until an item arrives.
    while (state_->sliced_checkpoint_pending() && queue_.size() == 0 &&
           !abandoned_.load()) {
      SerialiseSlice(/*all=*/false);
    }
    if (!queue_.PopBatch(ctx_.max_batch_events, &items)) break;
    ProcessItems(items);
    if (state_->sliced_checkpoint_pending() && !abandoned_.load()) {
      // An Evaluate's event waiting in the queue goes before the slice
      // (~1 ms of CPU): a checkpoint made a loaded Evaluate's decide
      // stage p99 ~3 ms instead of ~1 ms (docs/checkpoints.md). Bounded,
      // so a stream of Evaluates cannot hold a checkpoint off.
      if (queue_.HasBatchEnder() && slices_put_off_ < kMaxSlicesPutOff) {
        ++slices_put_off_;
      } else {
        slices_put_off_ = 0;
        SerialiseSlice(/*all=*/false);
      }
    }
  }
  // The background checkpoint in flight first: the last one must not
  // overtake it, and a given-up one drops the cache.
  CheckpointWriterOk();
  // A last checkpoint, so the next start re-runs nothing. Not after an
  // abandoned write: its offset would cover the events it held.
  if (!abandoned_.load() &&
      (checkpointed_.load() < through_.load() ||
       state_->dirty_entities() > 0) &&
      AwaitEngineProgress(through_.load())) {
    BatchCommit commit(commit_target_);
    commit.AddCheckpoint(state_.get(), through_.load());
    if (Write(&commit)) NoteCheckpoint(through_.load(), watermark_.load());
  }
  if (crash_marker_ != nullptr) crash_marker_->DetachThread();
}

void Shard::ProcessItems(std::vector<ShardItem>& items) {
  // After an abandoned write (shutdown) nothing more is decided: the next
  // start re-decides this shard's events from its last checkpoint.
  if (abandoned_.load()) return;
  size_t begin = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].swap == nullptr && !items[i].checkpoint) continue;
    // Everything before the swap is decided and written by the old
    // version; the new one takes over between micro-batches.
    ProcessAndCommit(items, begin, i + 1);
    if (items[i].swap != nullptr) ApplySwap(std::move(items[i].swap));
    begin = i + 1;
  }
  if (begin < items.size()) ProcessAndCommit(items, begin, items.size());
}

void Shard::ApplySwap(std::shared_ptr<ShardPipeline> swap) {
  // Instances first: they must be destroyed while their plugin (owned by
  // the old pipeline) is still loaded.
  current_->detectors.reset();
  current_ = std::make_unique<ShardPipeline>(std::move(*swap));
  ResetFreezeCap();
  absl::MutexLock lock(&version_mu_);
  active_version_ = current_->pipeline->version_hash();
}

void Shard::ProcessAndCommit(std::vector<ShardItem>& items, size_t begin,
                             size_t end) {
  uint64_t through = through_.load();
  int64_t watermark = watermark_.load();
  bool forced = false;
  // The decisions kept whole (KeepWhole); every decision is in encoded_.
  std::vector<riskflow::v1::Decision> whole;
  if (ctx_.decision_observer) whole.reserve(end - begin);
  encoded_.Clear();  // goes with `whole` (left over if one gave up)
  // One snapshot per micro-batch: list changes apply from the next batch.
  std::shared_ptr<const lists::ListSnapshot> lists =
      ctx_.lists != nullptr ? ctx_.lists->snapshot() : nullptr;
  // As at the batch's end (below); none starts before then.
  const bool trim_each_event = !CheckpointInFlight();
  for (size_t i = begin; i < end; ++i) {
    PrefetchAhead(items, begin, i, end);
    ShardItem& item = items[i];
    watermark = std::max(watermark, item.event.watermark_ms);
    forced = forced || item.checkpoint;
    if (item.event.sequence == 0) {
      through = std::max(through, item.through);
      continue;
    }
    state_->SetWatermark(item.event.watermark_ms);
    if (item.stage_slots != 0) {
      // Another shard decides this event; only our stages run here.
      RunStages(item);
      ++events_since_checkpoint_;
      through = std::max(through, item.event.sequence);
      continue;
    }
    if (item.partials > 0 && !AwaitPartials(item, &whole, through)) {
      return;  // abandoned: nothing more is decided
    }
    through = std::max(through, item.event.sequence);
    ++events_since_checkpoint_;
    if (item.recovered && AlreadyDecided(item)) {
      // Decided and published before the crash, after the last
      // checkpoint: re-run for its state (deterministic: the same log,
      // state and version give the same changes), publish nothing.
      scratch_.Clear();
      Decide(item, lists.get(), &scratch_);
      state_->EndEvent(item.event.event.account_id());
      continue;
    }
    // Decided into the one reused Decision, which stays in the CPU cache.
    scratch_.Clear();
    Decide(item, lists.get(), &scratch_);
    encoded_.Add(commit_target_, &scratch_);
    if (KeepWhole(item)) NewDecision(&whole)->Swap(&scratch_);
    // The derived entities this event found go along with the account's
    // next prefetch (ShardState::PrefetchEntity).
    state_->EndEvent(item.event.event.account_id());
    if (trim_each_event) state_->TrimTouched();
  }
  current_->detectors->FlushTimings();
  if (state_->sliced_checkpoint_pending()) {
    events_between_slices_.fetch_add(end - begin, std::memory_order_relaxed);
  }

  if (writer_ != nullptr && writer_->failed()) {
    Abandon();  // the cache is ahead of the store
    return;
  }
  bool checkpoint = CheckpointDue(forced, through);
  if (checkpoint && writer_ != nullptr && CheckpointInFlight()) {
    // At most one checkpoint in flight. A forced one (end of recovery)
    // waits for it; a due one is tried again after the next micro-batch.
    checkpoint = forced && CheckpointWriterOk() &&
                 CheckpointDue(forced, through);
    if (abandoned_.load()) return;
  }
  if (checkpoint && ctx_.stages != nullptr && ctx_.stages->keyed.load()) {
    // Keyed stages: this shard's state holds effects of events other
    // shards decide. Its checkpoint at `through` may only be written once
    // every event up to it is decided engine-wide, else a crash could
    // leave a stage's effect checkpointed while its event is re-decided
    // without it. Decisions first (others may wait for our progress),
    // then the wait, then the state.
    if (!CommitDecisions(&whole, through)) return;
    watermark_.store(watermark);
    checkpoint = AwaitEngineProgress(through);
    if (!checkpoint) return;
  }
  BatchCommit commit(commit_target_);
  commit.AddDecisions(encoded_);
  AddHoldChanges(&commit);
  if (checkpoint && writer_ == nullptr) {
    commit.AddCheckpoint(state_.get(), through);
  }
  if (!commit.empty() && !Write(&commit)) return;
  if (checkpoint && writer_ == nullptr) NoteCheckpoint(through, watermark);
  // After the decisions are written: a checkpoint at `through` must never
  // be in the store before the decisions of the events it covers.
  if (checkpoint && writer_ != nullptr) StartCheckpoint(through, watermark);
  through_.store(through);
  watermark_.store(watermark);
  if (encoded_.size() == 0 && !checkpoint) return;  // only markers
  events_.fetch_add(encoded_.size(), std::memory_order_relaxed);
  if (ctx_.on_committed) ctx_.on_committed();
  if (encoded_.size() > 0) {
    if (ctx_.decision_observer) ctx_.decision_observer(index_, whole);
    ctx_.waiters->Publish(whole, encoded_.sequences());
  }
  RecycleDecisions(&whole);
  // Not while a checkpoint is in flight: its entities are clean in the
  // cache but not yet in the store, and an evicted or trimmed one would
  // be read back from a store that is behind the cache.
  // (Nor while one is pending: ShardState::Trim does nothing then.)
  if (!CheckpointInFlight()) state_->Trim();
}

void Shard::RunStages(ShardItem& item) {
  plugin_host::StagePartial partial;
  current_->detectors->RunStages(item.event, item.stage_slots, &partial);
  // At once, not at the end of this micro-batch: the home may be waiting
  // for it while a later item of ours waits for the home.
  if (item.post_partial) {
    ctx_.stages->mailboxes[item.home]->Post(item.event.sequence,
                                            std::move(partial));
  }
}

bool Shard::AwaitPartials(const ShardItem& item,
                          std::vector<riskflow::v1::Decision>* whole,
                          uint64_t through) {
  StageMailbox& mailbox = *ctx_.stages->mailboxes[index_];
  partial_.slots.clear();
  if (mailbox.TryTake(item.event.sequence, item.partials, &partial_)) {
    return true;
  }
  // About to block: first make what this batch decided so far visible, and
  // say that every event of ours before this one is decided (dispatch is
  // in sequence order, so all of them came before it). A shard waiting to
  // checkpoint may be waiting for exactly that.
  if (!CommitDecisions(whole, std::max(through, item.event.sequence - 1))) {
    return false;
  }
  if (mailbox.Take(item.event.sequence, item.partials, &partial_)) {
    return true;
  }
  // Closed: a stage shard gave up; so does this one.
  Abandon();
  return false;
}

bool Shard::CommitDecisions(std::vector<riskflow::v1::Decision>* whole,
                            uint64_t through) {
  if (encoded_.size() > 0) {
    BatchCommit commit(commit_target_);
    commit.AddDecisions(encoded_);
    AddHoldChanges(&commit);
    if (!Write(&commit)) return false;
  }
  through_.store(std::max(through_.load(), through));
  if (encoded_.size() == 0) return true;
  events_.fetch_add(encoded_.size(), std::memory_order_relaxed);
  if (ctx_.on_committed) ctx_.on_committed();
  if (ctx_.decision_observer) ctx_.decision_observer(index_, *whole);
  ctx_.waiters->Publish(*whole, encoded_.sequences());
  RecycleDecisions(whole);
  return true;
}

bool Shard::KeepWhole(const ShardItem& item) {
  // The observer (replay) reads every decision; an Evaluate only its own.
  return ctx_.decision_observer != nullptr ||
         ctx_.waiters->Waiting(item.event.sequence);
}

riskflow::v1::Decision* Shard::NewDecision(
    std::vector<riskflow::v1::Decision>* whole) {
  riskflow::v1::Decision* d = &whole->emplace_back();
  if (!spare_decisions_.empty()) {
    d->Swap(&spare_decisions_.back());
    spare_decisions_.pop_back();
  }
  return d;
}

void Shard::RecycleDecisions(std::vector<riskflow::v1::Decision>* whole) {
  // Bounded by one micro-batch; beyond that they are simply freed.
  for (riskflow::v1::Decision& d : *whole) {
    if (spare_decisions_.size() >= ctx_.max_batch_events) break;
    d.Clear();
    spare_decisions_.emplace_back().Swap(&d);
  }
  whole->clear();
  encoded_.Clear();
}

bool Shard::AwaitEngineProgress(uint64_t through) {
  if (ctx_.stages == nullptr || !ctx_.stages->keyed.load()) return true;
  // Deadlock-free: the shard with the lowest `through` among the waiting
  // ones has every partial for events up to it posted (see
  // docs/keyed-stages.md), so it proceeds, and so on upwards. Polled:
  // checkpoints are seconds apart.
  while (ctx_.stages->processed_sequence() < through) {
    if (ctx_.stages->failed.load()) return false;
    absl::SleepFor(absl::Microseconds(200));
  }
  return true;
}

void Shard::Abandon() {
  // The cache may hold changes of events whose decision is not written.
  state_->DropAll();
  abandoned_.store(true);
  if (ctx_.stages != nullptr) ctx_.stages->Fail();
}

bool Shard::Write(BatchCommit* commit) {
  const absl::Time start = absl::Now();
  const bool written =
      commit->WriteWithRetry(&stopping_, &log_limiter_, checkpointed_.load());
  if (ctx_.commit_micros != nullptr) {
    ctx_.commit_micros->Observe(
        absl::ToInt64Microseconds(absl::Now() - start));
  }
  if (written) return true;
  // A checkpoint's FlushTo marked the cache clean although its changes
  // never reached the store: drop it all, so it never runs ahead of the
  // store.
  Abandon();
  return false;
}

void FillDecisionHeader(const log::LoggedEvent& e,
                        const std::string& pipeline_version,
                        riskflow::v1::Decision* d) {
  const riskflow::v1::Event& ev = e.event;
  // Built in place: a reused decision (Shard::NewDecision) keeps its
  // string's capacity, so no allocation per event.
  std::string* id = d->mutable_decision_id();
  id->clear();
  absl::StrAppend(id, ev.channel_id(), "/", ev.event_id());
  d->set_event_id(ev.event_id());
  d->set_channel_id(ev.channel_id());
  d->set_account_id(ev.account_id());
  d->set_sequence(e.sequence);
  d->set_event_time_ms(ev.event_time_ms());
  d->set_late(e.late());
  d->set_pipeline_version(pipeline_version);
}

void Shard::Decide(const ShardItem& item, const lists::ListSnapshot* lists,
                   riskflow::v1::Decision* d) {
  const log::LoggedEvent& e = item.event;
  const plugin_host::Pipeline& pipeline = *current_->pipeline;
  FillDecisionHeader(e, pipeline.version_hash(), d);
  // A held account's outgoing money, and hold / release events, are
  // decided by the holds alone (docs/account-holds.md).
  absl::StatusOr<bool> held = holds_.Decide(state_.get(), e, d);
  if (!held.ok()) {
    // Only a failing state read gets here: decide as if not held.
    logging::LogRateLimited(
        log_limiter_, logging::Level::kError,
        {"engine", static_cast<int>(index_)},
        absl::StrCat("account hold not checked: ", held.status().message()));
  } else if (*held) {
    RunHeldStages(item);
    return;
  }
  if (item.remote_slots == 0) {
    current_->detectors->Run(e, d);
  } else {
    // A remote slot without a partial (a re-run whose stage state is
    // already checkpointed) contributes nothing: never a stale partial.
    if (item.partials == 0) partial_.slots.clear();
    current_->detectors->RunMerged(e, item.remote_slots, partial_, d);
  }
  current_->router->Decide(d);
  if (lists != nullptr) lists::ApplyLists(*lists, e.event, d);
  // After the lists: an allowed (suppressed) FREEZE is not a FREEZE, and an
  // explicit block is the analyst's, not a detector's.
  ApplyFreezeCap(d);
  // A FREEZE that survived the lists and the cap holds the account.
  if (!pipeline.config().account_holds()) {
    // Holds are off in this pipeline (only Admin.PlaceHold places one).
  } else if (absl::Status s = holds_.AfterRouting(state_.get(), e, d);
             !s.ok()) {
    logging::LogRateLimited(
        log_limiter_, logging::Level::kError,
        {"engine", static_cast<int>(index_)},
        absl::StrCat("account hold not placed: ", s.message()));
  }
  // Record the exact build of each detector that spoke about this event
  // (the pipeline version covers the rest).
  for (const riskflow::v1::PluginBuild& b : pipeline.builds()) {
    for (const riskflow::v1::Annotation& a : d->annotations()) {
      if (a.detector() == b.detector()) {
        *d->add_plugin_builds() = b;
        break;
      }
    }
  }
}

void Shard::RunHeldStages(const ShardItem& item) {
  // No detector speaks about a held event, but a stage keyed by another
  // entity (counterparty, device, IP) still counts it. On a stage shard it
  // ran before the home knew of the hold (stage_plan.h); the same stage
  // run here, in the decision item, because its key shares the account's
  // shard, must count it too, or the stage's windows (and so later
  // decisions) would depend on the shard count: kill9_keyed_test caught a
  // live run (shard counts changing at restarts) and its replay disagreeing
  // about counterparty counts after holds. Slots in remote_slots ran
  // elsewhere, or (a re-run) their state already has the event.
  uint64_t local = 0;
  const auto& slots = current_->pipeline->detectors();
  for (size_t i = 0; i < slots.size() && i < 64; ++i) {
    if (slots[i]->partition_key != RF_PARTITION_ACCOUNT) {
      local |= uint64_t{1} << i;
    }
  }
  local &= ~item.remote_slots;
  if (local == 0) return;
  plugin_host::StagePartial discarded;
  current_->detectors->RunStages(item.event, local, &discarded);
}

void Shard::AddHoldChanges(BatchCommit* commit) {
  auto changes = holds_.TakeIndexChanges();
  if (!changes.empty() && ctx_.store_decisions) commit->AddHoldIndex(changes);
}

void Shard::ResetFreezeCap() {
  freeze_cap_ = std::make_unique<router::FreezeCap>(
      current_->pipeline->config(), ctx_.shard_count, index_);
  freeze_cap_->RegisterStates(ctx_.store);
}

void Shard::ApplyFreezeCap(riskflow::v1::Decision* d) {
  absl::Status s = freeze_cap_->Apply(state_.get(), d, &capped_);
  if (!s.ok()) {
    // Only a failing state read gets here; the decision keeps its FREEZE
    // (failing open on the guard rail, never on detection).
    logging::LogRateLimited(
        log_limiter_, logging::Level::kError,
        {"engine", static_cast<int>(index_)},
        absl::StrCat("FREEZE cap not applied: ", s.message()));
    return;
  }
  const auto& slots = current_->pipeline->detectors();
  for (size_t i : capped_) {
    if (i < slots.size()) {
      slots[i]->freeze_cap_hits.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

bool Shard::AlreadyDecided(const ShardItem& item) {
  // Only a stored decision proves it: a clean PASS is not stored, but it
  // reaches no sink either. Without stored decisions there is no guard.
  if (!ctx_.store_decisions) return false;
  if (item.stored_decision >= 0) {
    // The catch-up read it in its scan of the decision store.
    if (item.stored_decision > 0) {
      already_decided_.fetch_add(1, std::memory_order_relaxed);
    }
    return item.stored_decision > 0;
  }
  const log::LoggedEvent& e = item.event;
  std::string value;
  absl::StatusOr<bool> found =
      ctx_.store->Get(Cf::kDecisions, storage::SequenceKey(e.sequence), &value);
  if (!found.ok()) {
    logging::LogRateLimited(
        log_limiter_, logging::Level::kError,
        {"engine", static_cast<int>(index_)},
        absl::StrCat("cannot check sequence ", e.sequence,
                     " for a stored decision (", found.status().message(),
                     "); deciding it"));
    return false;
  }
  if (*found) already_decided_.fetch_add(1, std::memory_order_relaxed);
  return *found;
}

}  // namespace riskflow::engine
