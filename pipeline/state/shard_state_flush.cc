// The write side of the shard cache: handing changes to the engine's
// batch, trimming what windows no longer need, evicting cold entities.
#include <algorithm>
#include <utility>
#include <vector>

#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_entry.h"

namespace riskflow::state {

using shard_state_internal::kMin;
using shard_state_internal::SatSub;

void ShardState::FlushTo(rocksdb::WriteBatch* batch) {
  rocksdb::ColumnFamilyHandle* cf = store_->handle(Cf::kState);
  // Memtable inserts dominate a commit's cost; in key order the skiplist can
  // reuse its insert position between neighbours (a few percent in the
  // bench, for a sort of a few hundred pointers).
  std::sort(dirty_.begin(), dirty_.end(), [](const Entry* a, const Entry* b) {
    return a->prefix < b->prefix;
  });
  // WriteBatch operations fail only when a max_bytes limit is set on the
  // batch; the engine's batches have none.
  for (Entry* e : dirty_) {
    // Changes behind the horizon are dropped, not written: no event can
    // read them, and the expiry filter would remove them.
    const int64_t visible =
        e->kind == StateKind::kLastSeen
            ? kMin
            : VisibleFrom(e->retention_ms, e->bucket_ms);
    switch (e->kind) {
      case StateKind::kCounter:
      case StateKind::kSum:
        for (Entry::Bucket& b : e->buckets) {
          if (b.pending == 0) continue;
          if (b.bucket < visible) {
            b.pending = 0;
            ++stats_.unwritten;
            continue;
          }
          key_buf_.assign(e->prefix);
          AppendBucket(b.bucket, &key_buf_);
          value_buf_.clear();
          AppendInt64(b.pending, &value_buf_);
          batch->Merge(cf, key_buf_, value_buf_).PermitUncheckedError();
          b.pending = 0;
        }
        break;
      case StateKind::kDistinct:
        for (Entry::Member& m : e->members) {
          if (!m.dirty) continue;
          if (m.bucket < visible) {
            m.dirty = false;
            ++stats_.unwritten;
            continue;
          }
          key_buf_.assign(e->prefix);
          AppendBucket(m.bucket, &key_buf_);
          key_buf_.append(m.member);
          batch->Put(cf, key_buf_, rocksdb::Slice()).PermitUncheckedError();
          m.dirty = false;
        }
        break;
      case StateKind::kLastSeen:
        if (e->last_dirty) {
          value_buf_.clear();
          AppendLastSeenValue(e->last_t, e->last_value, &value_buf_);
          batch->Put(cf, e->prefix, value_buf_).PermitUncheckedError();
          e->last_dirty = false;
        }
        break;
    }
    e->dirty = false;
  }
  dirty_.clear();
}

void ShardState::TrimBuckets(Entry* e) {
  if (e->kind == StateKind::kLastSeen || e->newest_t == kMin) return;
  const int64_t cutoff = BucketOf(
      SatSub(SatSub(e->newest_t, e->window_ms), lateness_ms_), e->bucket_ms);
  const int64_t visible = VisibleFrom(e->retention_ms, e->bucket_ms);
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
    if (from > e->loaded_from) e->loaded_from = from;
  };
  if (e->kind == StateKind::kDistinct) {
    trim(e->members, [](const Entry::Member& m) { return m.dirty; });
  } else {
    trim(e->buckets, [](const Entry::Bucket& b) { return b.pending != 0; });
  }
}

void ShardState::Trim() {
  for (Entry* e : touched_) {
    TrimBuckets(e);
    e->touched = false;
  }
  touched_.clear();
  if (entries_.size() > max_entities_) Evict();
}

void ShardState::Evict() {
  const size_t target = max_entities_ - max_entities_ / 8;
  std::vector<std::pair<uint64_t, Entry*>> clean;
  clean.reserve(entries_.size());
  for (const auto& [key, e] : entries_) {
    if (!e->dirty) clean.emplace_back(e->last_used, e.get());
  }
  size_t want = entries_.size() - target;
  if (want > clean.size()) want = clean.size();
  if (want == 0) return;
  std::nth_element(clean.begin(), clean.begin() + (want - 1), clean.end());
  for (size_t i = 0; i < want; ++i) {
    auto it = entries_.find(absl::string_view(clean[i].second->prefix));
    entries_.erase(it);
  }
  stats_.evictions += want;
}

void ShardState::DropAll() {
  dirty_.clear();
  touched_.clear();
  entries_.clear();
}

ShardState::Stats ShardState::stats() const {
  Stats s = stats_;
  s.entities = entries_.size();
  return s;
}

}  // namespace riskflow::state
