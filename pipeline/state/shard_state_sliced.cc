// Sliced checkpoints: the dirty set handed over in bounded slices, with
// copy-on-write per record (shard_state.h, docs/checkpoints.md "Checkpoints
// serialised in slices").
//
// Why the result equals FlushChanges at S (the checkpoint's start):
//  - The pending records are exactly the records dirty at S (dirty_ moves
//    into pending_; they keep their dirty flag and the old epoch), and
//    their dirty entries / buckets / members hold exactly the changes
//    since the previous checkpoint, as of S: a record leaves the pending
//    state only by being serialised (SerialisePending), and every change to
//    a record goes through BeforeChange first, so a pending record is
//    unchanged since S.
//  - What a record's serialisation writes depends on its dirty parts, the
//    entity, the spec (id, kind, bucket size: fixed per spec index) and the
//    horizon. The horizon is computed from the watermark and retention as
//    of S (pending_watermark_, pending_retention_), not the current ones.
//  - Nothing removes a pending record or a part of it: Trim() does nothing
//    while a checkpoint is pending, and Evict() skips dirty records.
//    Loads add only clean buckets below loaded_from (never dirty ones), and
//    a new entry of a pending record is clean until changed, which
//    serialises the record first.
// So each record contributes the same operations as under FlushChanges at
// S, only in another order; StateChanges::AppendSortedTo sorts them into
// key order (a key occurs at most once per checkpoint), so the batch is
// byte-identical. shard_state_sliced_test checks that over randomized
// interleavings.
#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_entry.h"

namespace riskflow::state {

bool ShardState::IsPending(const Record* r) const {
  return pending_active_ && r->dirty && r->epoch == pending_epoch_;
}

void ShardState::BeginSlicedCheckpoint() {
  // O(states), not O(records): the records stay dirty, in the old epoch,
  // which is what makes them pending; records dirtied from now on get the
  // new one.
  pending_active_ = true;
  pending_epoch_ = epoch_;
  ++epoch_;
  pending_watermark_ = watermark_;
  pending_retention_.resize(specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i) {
    pending_retention_[i] = specs_[i].retention_ms;
  }
  pending_changes_ = std::move(spare_changes_);
  spare_changes_ = StateChanges();
  pending_changes_.Clear();
  pending_changes_.Reserve(2 * dirty_entries_, 96 * dirty_entries_);
  pending_.swap(dirty_);
  dirty_.clear();
  pending_pos_ = 0;
  dirty_entries_ = 0;
}

void ShardState::SerialisePending(Record* r) {
  for (const std::unique_ptr<Entry>& e : r->entries) {
    if (e->dirty) {
      FlushEntry(r, e.get(), /*as_of_pending=*/true, pending_changes_);
    }
  }
  r->dirty = false;
}

bool ShardState::SerialiseSlice(size_t max_records, absl::Duration budget) {
  if (!pending_active_) return true;
  // The clock is read every few records only: a record takes ~1 µs.
  constexpr size_t kClockEvery = 64;
  const int64_t deadline =
      absl::GetCurrentTimeNanos() + absl::ToInt64Nanoseconds(budget);
  size_t done = 0;
  while (pending_pos_ < pending_.size() && done < max_records) {
    Record* r = pending_[pending_pos_++];
    // Copy-on-write may have serialised it already (and it may be dirty
    // again since, for the next checkpoint).
    if (!IsPending(r)) continue;
    SerialisePending(r);
    ++done;
    if (done % kClockEvery == 0 && absl::GetCurrentTimeNanos() >= deadline) {
      break;
    }
  }
  return pending_pos_ == pending_.size();
}

void ShardState::RecycleChanges(StateChanges spare) {
  spare.Clear();
  spare_changes_ = std::move(spare);
}

StateChanges ShardState::TakeSlicedCheckpoint() {
  pending_active_ = false;
  pending_.clear();
  pending_pos_ = 0;
  StateChanges out = std::move(pending_changes_);
  pending_changes_ = StateChanges();
  return out;
}

}  // namespace riskflow::state
