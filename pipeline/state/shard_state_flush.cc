// The write side of the shard cache: handing changes to the engine's
// batch, trimming what windows no longer need, evicting cold entities.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_entry.h"

namespace riskflow::state {

using shard_state_internal::kMin;
using shard_state_internal::SatSub;

void ShardState::FlushTo(rocksdb::WriteBatch* batch) {
  // The same serialisation as a background checkpoint's, then its sort:
  // memtable inserts dominate a commit's cost, and in key order the
  // skiplist reuses its insert position between neighbours.
  if (pending_active_) {
    // A sliced checkpoint still pending (a caller that did not finish it):
    // its changes first, so a newer Put of the same key wins.
    SerialiseSlice(SIZE_MAX, absl::InfiniteDuration());
    TakeSlicedCheckpoint().AppendSortedTo(
        batch, store_->handle(storage::Cf::kState));
  }
  StateChanges changes;
  FlushChanges(&changes);
  changes.AppendSortedTo(batch, store_->handle(storage::Cf::kState));
}

void ShardState::FlushChanges(StateChanges* changes) {
  // A guess (most dirty entries hold one or two changes of ~40 bytes).
  changes->Reserve(2 * dirty_entries_, 96 * dirty_entries_);
  for (Record* r : dirty_) {
    for (const std::unique_ptr<Entry>& e : r->entries) {
      if (e->dirty) FlushEntry(r, e.get(), /*as_of_pending=*/false, *changes);
    }
  }
  MarkAllClean();
}

void ShardState::MarkAllClean() {
  for (Record* r : dirty_) r->dirty = false;
  dirty_.clear();
  dirty_entries_ = 0;
}

void ShardState::FlushEntry(Record* r, Entry* e, bool as_of_pending,
                            StateChanges& out) {
  const SpecInfo& info = specs_[e->spec];
  // A pending sliced checkpoint's records use the horizon as of its start
  // (the watermark moved on since; a hot reload may have changed the
  // retention). A dirty entry's spec existed then.
  const int64_t watermark = as_of_pending ? pending_watermark_ : watermark_;
  const int64_t retention_ms =
      as_of_pending && e->spec < pending_retention_.size()
          ? pending_retention_[e->spec]
          : info.retention_ms;
  // Changes behind the horizon are dropped, not written: no event can
  // read them, and the expiry filter would remove them.
  const int64_t visible =
      info.kind == StateKind::kLastSeen
          ? kMin
          : VisibleFromAt(watermark, retention_ms, info.bucket_ms);
  // Into the filter before the change can reach the store: a miss must
  // never skip the read of a key that is there (stored_key_filter.h). Even
  // when everything below is dropped as invisible: a false "maybe" only
  // costs a read.
  if (stored_keys_ != nullptr && !e->in_filter) {
    stored_keys_->Add(info.id, r->entity);
    e->in_filter = true;
  }
  const size_t prefix_size = kStateIdBytes + kEntityLenBytes + r->entity.size();
  key_buf_.clear();
  AppendEntityPrefix(info.id, r->entity, &key_buf_);
  switch (info.kind) {
    case StateKind::kCounter:
    case StateKind::kSum:
      for (Entry::Bucket& b : e->buckets()) {
        if (b.pending == 0) continue;
        if (b.bucket < visible) {
          b.pending = 0;
          ++stats_.unwritten;
          continue;
        }
        key_buf_.resize(prefix_size);
        AppendBucket(b.bucket, &key_buf_);
        value_buf_.clear();
        AppendInt64(b.pending, &value_buf_);
        out.Merge(key_buf_, value_buf_);
        b.pending = 0;
      }
      break;
    case StateKind::kDistinct:
      for (Entry::Member& m : e->members()) {
        if (!m.dirty) continue;
        if (m.bucket < visible) {
          m.dirty = false;
          ++stats_.unwritten;
          continue;
        }
        key_buf_.resize(prefix_size);
        AppendBucket(m.bucket, &key_buf_);
        key_buf_.append(m.member);
        out.Put(key_buf_, std::string_view());
        m.dirty = false;
      }
      break;
    case StateKind::kLastSeen:
      if (e->last_dirty) {
        value_buf_.clear();
        AppendLastSeenValue(e->last_t, e->last_value(), &value_buf_);
        out.Put(key_buf_, value_buf_);
        e->last_dirty = false;
      }
      break;
  }
  e->dirty = false;
}

void ShardState::TrimBuckets(Entry* e) {
  const SpecInfo& info = specs_[e->spec];
  if (info.kind == StateKind::kLastSeen || e->newest_t == kMin) return;
  const int64_t cutoff = BucketOf(
      SatSub(SatSub(e->newest_t, info.window_ms), lateness_ms_),
      info.bucket_ms);
  const int64_t visible = VisibleFrom(info.retention_ms, info.bucket_ms);
  // Drop the clean run below the cutoff; a dirty bucket stops it (its delta
  // must reach a batch first) unless it is behind the visibility horizon,
  // where nothing will ever read or write it again. Completeness then
  // starts at the higher limit, or at the bucket that stopped the run.
  const int64_t limit = std::max(cutoff, visible);
  auto trim = [&](auto& v, auto is_dirty) {
    size_t i = 0;
    while (i < v.size() && (v[i].bucket < visible ||
                            (v[i].bucket < cutoff && !is_dirty(v[i])))) {
      ++i;
    }
    // Completeness is per bucket: stopping at a dirty distinct member keeps
    // the members of its bucket sorted before it too.
    while (i > 0 && i < v.size() && v[i - 1].bucket == v[i].bucket) --i;
    int64_t from =
        (i < v.size() && v[i].bucket < limit) ? v[i].bucket : limit;
    if (i > 0) v.erase(v.begin(), v.begin() + i);
    // A window that emptied gives its block back; one that shrank a lot
    // gives back the slack (vectors never shrink by themselves).
    if (v.empty() || v.capacity() >= 2 * v.size() + 4) v.shrink_to_fit();
    if (from > e->loaded_from) e->loaded_from = from;
  };
  if (info.kind == StateKind::kDistinct) {
    trim(e->members(), [](const Entry::Member& m) { return m.dirty; });
  } else {
    trim(e->buckets(), [](const Entry::Bucket& b) { return b.pending != 0; });
  }
}

size_t ShardState::RecordBytes(const Record& r) const {
  // The set slot (a pointer and a control byte, at a typical load factor), the
  // record, and what its containers allocated.
  size_t bytes = 16 + sizeof(Record) +
                 r.entries.capacity() * sizeof(std::unique_ptr<Entry>) +
                 r.entries.size() * sizeof(Entry);
  if (r.entity.capacity() > 15) bytes += r.entity.capacity() + 1;
  for (const std::unique_ptr<Entry>& p : r.entries) {
    const Entry& e = *p;
    switch (e.data.index()) {
      case 0:
        bytes += e.buckets().capacity() * sizeof(Entry::Bucket);
        break;
      case 1:
        bytes += e.members().capacity() * sizeof(Entry::Member);
        for (const Entry::Member& m : e.members()) {
          if (m.member.capacity() > 15) bytes += m.member.capacity() + 1;
        }
        break;
      default:
        if (e.last_value().capacity() > 15) {
          bytes += e.last_value().capacity() + 1;
        }
        break;
    }
  }
  return bytes;
}

void ShardState::TrimTouched() {
  // A pending sliced checkpoint: its records must stay, and a clean record
  // or bucket dropped now would be read back from a store that is behind
  // the cache. The touched records are trimmed once it is handed over.
  if (pending_active_) return;
  for (Record* r : touched_) {
    for (const std::unique_ptr<Entry>& e : r->entries) TrimBuckets(e.get());
    r->touched = false;
    const size_t bytes = RecordBytes(*r);
    bytes_ = bytes_ - r->bytes + bytes;
    r->bytes = static_cast<uint32_t>(std::min<size_t>(bytes, UINT32_MAX));
  }
  touched_.clear();
}

void ShardState::Trim() {
  if (pending_active_) return;  // see TrimTouched
  TrimTouched();
  if (entries_ > max_entities_ ||
      (budget_bytes_ > 0 && bytes_ > budget_bytes_)) {
    Evict();
  }
}

void ShardState::Evict() {
  const size_t count_target = max_entities_ - max_entities_ / 8;
  const size_t bytes_target =
      budget_bytes_ > 0 ? budget_bytes_ - budget_bytes_ / 8 : bytes_;
  if (entries_ <= count_target && bytes_ <= bytes_target) return;
  std::vector<std::pair<uint64_t, Record*>> clean;
  clean.reserve(records_.size());
  for (const std::unique_ptr<Record>& r : records_) {
    if (!r->dirty) clean.emplace_back(r->last_used, r.get());
  }
  // Least recently used first; whole entities, so both limits are met by
  // a prefix of this order.
  std::sort(clean.begin(), clean.end());
  for (const auto& [used, r] : clean) {
    if (entries_ <= count_target && bytes_ <= bytes_target) break;
    bytes_ -= r->bytes;
    entries_ -= r->entries.size();
    stats_.evictions += r->entries.size();
    // The set's key is the record itself: nothing to use after this.
    if (r == last_record_) last_record_ = nullptr;
    records_.erase(records_.find(absl::string_view(r->entity)));
  }
}

void ShardState::DropAll() {
  pending_active_ = false;
  pending_.clear();
  pending_pos_ = 0;
  pending_changes_ = StateChanges();
  dirty_.clear();
  touched_.clear();
  records_.clear();
  last_record_ = nullptr;
  entries_ = 0;
  dirty_entries_ = 0;
  bytes_ = 0;
}

ShardState::Stats ShardState::stats() const {
  Stats s = stats_;
  s.entities = entries_;
  s.records = records_.size();
  s.bytes = bytes_;
  s.store_reads = reads_done_.load(std::memory_order_relaxed);
  s.store_reads_skipped = reads_skipped_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace riskflow::state
