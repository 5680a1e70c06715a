#include "pipeline/common/logger.h"
#include "pipeline/engine/shard.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/lists/apply_lists.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/sinks/sink_entry.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {

using state::Cf;

std::string Shard::OffsetKey(uint32_t shard_count, uint32_t index) {
  return ShardLayouts::OffsetKey(shard_count, index);
}

Shard::Shard(uint32_t index, const ShardContext& ctx)
    : index_(index),
      ctx_(ctx),
      state_(std::make_unique<state::ShardState>(
          ctx.store, ctx.max_cached_entities, ctx.allowed_lateness_ms)),
      // An Evaluate's event ends its micro-batch (docs/evaluate-lane.md).
      queue_(ctx.queue_capacity,
             [](const ShardItem& item) { return item.event.priority; }) {}

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
  thread_ = std::thread([this] { Loop(); });
}

void Shard::Enqueue(std::vector<ShardItem>&& items) {
  queue_.PushAll(std::move(items));
}

void Shard::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

void Shard::ResumeAfter(uint64_t offset) {
  through_.store(offset);
  persisted_through_ = offset;
}

void Shard::Loop() {
  if (crash_marker_ != nullptr) crash_marker_->AttachThread();
  std::vector<ShardItem> items;
  items.reserve(ctx_.max_batch_events);
  while (true) {
    items.clear();
    if (!queue_.PopBatch(ctx_.max_batch_events, &items)) break;
    ProcessItems(items);
  }
  // Persist how far this shard got (and, without per-batch commits, the
  // state changes still cached), so the next start scans less. Not after
  // an abandoned commit: the offset would cover the events it held.
  if (!abandoned_.load() && (persisted_through_ < through_.load() ||
                             state_->dirty_entities() > 0)) {
    rocksdb::WriteBatch batch;
    state_->FlushTo(&batch);
    batch.Put(ctx_.store->handle(Cf::kMeta),
              OffsetKey(ctx_.shard_count, index_),
              log::SequenceKey(through_.load()));
    CommitWithRetry(&batch, {});
  }
  if (crash_marker_ != nullptr) crash_marker_->DetachThread();
}

void Shard::ProcessItems(std::vector<ShardItem>& items) {
  // After an abandoned commit (shutdown) nothing more is decided: the next
  // start re-decides this shard's events from its last committed offset.
  if (abandoned_.load()) return;
  size_t begin = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].swap == nullptr) continue;
    // Everything before the swap is decided and committed by the old
    // version; the new one takes over between micro-batches.
    ProcessAndCommit(items, begin, i + 1);
    ApplySwap(std::move(items[i].swap));
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
  std::vector<riskflow::v1::Decision> decisions;
  decisions.reserve(end - begin);
  // One snapshot per micro-batch: list changes apply from the next batch.
  std::shared_ptr<const lists::ListSnapshot> lists =
      ctx_.lists != nullptr ? ctx_.lists->snapshot() : nullptr;
  for (size_t i = begin; i < end; ++i) {
    ShardItem& item = items[i];
    watermark = std::max(watermark, item.event.watermark_ms);
    if (item.event.sequence == 0) {
      through = std::max(through, item.through);
      continue;
    }
    through = std::max(through, item.event.sequence);
    if (item.recovered && AlreadyDecided(item.event)) continue;
    state_->SetWatermark(item.event.watermark_ms);
    Decide(item.event, lists.get(), &decisions.emplace_back());
  }
  if (decisions.empty()) {
    // Only markers: nothing to commit; every event up to `through` of this
    // shard was decided in an earlier batch.
    through_.store(through);
    watermark_.store(watermark);
    if (ctx_.on_committed) ctx_.on_committed();
    return;
  }

  rocksdb::WriteBatch batch;
  std::vector<std::string> bytes(decisions.size());
  std::vector<sinks::PendingDecision> pending;
  for (size_t i = 0; i < decisions.size(); ++i) {
    // A PASS without annotations is fully determined by its log record, so
    // it is not stored (Engine::LookupDecision rebuilds it): most events are
    // clean, and this saves one RocksDB key — and a serialization — per
    // event.
    const bool store =
        ctx_.store_decisions && decisions[i].annotations_size() > 0;
    const bool sink =
        ctx_.write_outboxes && decisions[i].route() != riskflow::v1::PASS;
    if (!store && !sink) {
      // Not stored here (replay), but bounded exactly as if it were, so a
      // replay's decisions equal the live ones.
      if (decisions[i].annotations_size() > 0) {
        sinks::MakeStorable(&decisions[i]);
      }
      continue;
    }
    // Valid UTF-8 and bounded, so the entry can always be read back (and
    // the decision published below equals the one stored).
    sinks::EncodeDecision(&decisions[i], &bytes[i]);
    if (store) {
      batch.Put(ctx_.store->handle(Cf::kDecisions),
                log::SequenceKey(decisions[i].sequence()), bytes[i]);
    }
    if (sink) {
      pending.push_back(sinks::PendingDecision{&decisions[i], &bytes[i]});
    }
  }
  // Without per-batch commits (replay) only a full cache, a decision to
  // store or a sink entry makes this batch write.
  if (ctx_.commit_every_batch || batch.Count() > 0 || !pending.empty() ||
      state_->dirty_entities() >= ctx_.max_dirty_entities) {
    state_->FlushTo(&batch);
    batch.Put(ctx_.store->handle(Cf::kMeta),
              OffsetKey(ctx_.shard_count, index_), log::SequenceKey(through));
    if (!CommitWithRetry(&batch, pending)) return;
    persisted_through_ = through;
  }
  through_.store(through);
  watermark_.store(watermark);
  events_.fetch_add(decisions.size(), std::memory_order_relaxed);
  if (ctx_.on_committed) ctx_.on_committed();
  if (ctx_.decision_observer) ctx_.decision_observer(index_, decisions);
  ctx_.waiters->Publish(decisions);
  state_->Trim();
}

void FillDecisionHeader(const log::LoggedEvent& e,
                        const std::string& pipeline_version,
                        riskflow::v1::Decision* d) {
  const riskflow::v1::Event& ev = e.event;
  d->set_decision_id(absl::StrCat(ev.channel_id(), "/", ev.event_id()));
  d->set_event_id(ev.event_id());
  d->set_channel_id(ev.channel_id());
  d->set_account_id(ev.account_id());
  d->set_sequence(e.sequence);
  d->set_event_time_ms(ev.event_time_ms());
  d->set_late(e.late());
  d->set_pipeline_version(pipeline_version);
}

void Shard::Decide(const log::LoggedEvent& e,
                   const lists::ListSnapshot* lists,
                   riskflow::v1::Decision* d) {
  const plugin_host::Pipeline& pipeline = *current_->pipeline;
  FillDecisionHeader(e, pipeline.version_hash(), d);
  current_->detectors->Run(e, d);
  current_->router->Decide(d);
  if (lists != nullptr) lists::ApplyLists(*lists, e.event, d);
  // After the lists: an allowed (suppressed) FREEZE is not a FREEZE, and an
  // explicit block is the analyst's, not a detector's.
  ApplyFreezeCap(d);
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

bool Shard::AlreadyDecided(const log::LoggedEvent& e) {
  // Only a stored decision proves it: a clean PASS is not stored, but it
  // reaches no sink either. Without stored decisions there is no guard.
  if (!ctx_.store_decisions) return false;
  std::string value;
  absl::StatusOr<bool> found =
      ctx_.store->Get(Cf::kDecisions, log::SequenceKey(e.sequence), &value);
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

bool Shard::CommitWithRetry(
    rocksdb::WriteBatch* batch,
    const std::vector<sinks::PendingDecision>& pending) {
  // Acked events are already durable in the log, so a failed commit is
  // retried rather than dropped. Outbox::Commit hands the batch back as it
  // got it when the write fails, so every attempt assigns its sink
  // sequences anew: a retry never writes a key an earlier attempt chose
  // (another shard may own that sequence by now). While the daemon runs the
  // retries go on (the cause may pass, e.g. disk space coming back); once it
  // stops, a few more attempts, then the commit is given up: the log is the
  // source of truth, and the next start re-decides everything after this
  // shard's last committed offset.
  constexpr int kAttemptsWhenStopping = 3;
  absl::Duration backoff = absl::Milliseconds(10);
  int attempts_stopping = 0;
  for (int attempt = 1;; ++attempt) {
    absl::Status s = ctx_.outbox->Commit(batch, pending, ctx_.sync_commits);
    if (s.ok()) return true;
    logging::LogRateLimited(
        log_limiter_, logging::Level::kError,
        {"engine", static_cast<int>(index_)},
        absl::StrCat("commit failed (attempt ", attempt, "): ", s.message()));
    if (stopping_.HasBeenNotified() &&
        ++attempts_stopping >= kAttemptsWhenStopping) {
      logging::Log(logging::Level::kError,
                   {"engine", static_cast<int>(index_)},
                   absl::StrCat("gives up its commit at shutdown; its events "
                                "after sequence ", persisted_through_,
                                " are decided again at the next start"));
      // FlushTo marked the cache clean although its changes never reached
      // the store: drop it all, so it never runs ahead of the DB.
      state_->DropAll();
      abandoned_.store(true);
      return false;
    }
    if (stopping_.HasBeenNotified()) {
      absl::SleepFor(std::min(backoff, absl::Milliseconds(50)));
    } else {
      // Stop wakes this early.
      stopping_.WaitForNotificationWithTimeout(backoff);
    }
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

}  // namespace riskflow::engine
