#ifndef RISKFLOW_PIPELINE_STATE_SHARD_STATE_H_
#define RISKFLOW_PIPELINE_STATE_SHARD_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/store.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {

// The per-shard write-back cache in front of the state column family. One per
// engine shard and single-threaded, like the shard itself.
//
// An entry per (state, entity) holds that entity's buckets from some bucket
// `loaded_from` upwards, complete (anything absent there is known to be 0),
// plus the deltas not yet handed to a batch. Hot entities therefore cost a
// hash lookup and a few vector operations per event instead of a RocksDB
// read-modify-write.
//
// Consistency with the DB rests on three rules:
//  - FlushTo() hands every pending change to the engine's batch; Trim() and
//    DropAll() are the only ways data leaves the cache, and the engine calls
//    them only after the batch committed (Trim) or failed (DropAll). So a miss
//    never reads a DB that is behind the cache.
//  - Dirty entries and dirty buckets are never evicted or trimmed.
//  - A query older than `loaded_from` first loads the missing range, so an
//    event later than the allowed lateness is slower, never wrong.
//
// Window semantics (the plugin SDK's fake host implements the same):
//   bucket(t) = floor(t / bucket_ms);
//   total(w) at t = sum of buckets in [bucket(t - w + 1), bucket(t)];
//   distinct count / contains over the same bucket range;
//   last-seen get is empty if nothing stored or ttl > 0 and t - stored > ttl;
//   a query with w > spec.window_ms (or w <= 0) is InvalidArgument.
class ShardState {
 public:
  ShardState(Store* store, size_t max_cached_entities,
             int64_t allowed_lateness_ms);
  ~ShardState();

  ShardState(const ShardState&) = delete;
  ShardState& operator=(const ShardState&) = delete;

  // Counter / sum: adds `value` to bucket(t).
  absl::Status WindowAdd(const StateSpec& s, std::string_view entity, int64_t t,
                         int64_t value);
  absl::StatusOr<int64_t> WindowTotal(const StateSpec& s,
                                      std::string_view entity, int64_t t,
                                      int64_t window_ms);

  absl::Status DistinctAdd(const StateSpec& s, std::string_view entity,
                           int64_t t, std::string_view member);
  absl::StatusOr<int64_t> DistinctCount(const StateSpec& s,
                                        std::string_view entity, int64_t t,
                                        int64_t window_ms);
  absl::StatusOr<bool> DistinctContains(const StateSpec& s,
                                        std::string_view entity, int64_t t,
                                        std::string_view member,
                                        int64_t window_ms);

  // (value, stored event time). The string_view is valid until the next call
  // on this ShardState.
  absl::StatusOr<std::optional<std::pair<std::string_view, int64_t>>> LastGet(
      const StateSpec& s, std::string_view entity, int64_t t);
  absl::Status LastPut(const StateSpec& s, std::string_view entity, int64_t t,
                       std::string_view value);

  // Appends every change since the last FlushTo to `batch` (Merge deltas for
  // counters / sums, Put for distinct members and last-seen) and marks it
  // clean. The engine commits the batch atomically with outbox and offsets.
  void FlushTo(rocksdb::WriteBatch* batch);
  // After the batch committed: drops buckets that fell behind their entity's
  // window + lateness, then evicts least recently used clean entities while
  // above capacity (down to 7/8 of it, so eviction scans are amortised).
  void Trim();
  // Forgets everything, dirty or not (e.g. the commit failed), so the cache
  // never runs ahead of the DB.
  void DropAll();

  struct Stats {
    uint64_t hits = 0, misses = 0, entities = 0, evictions = 0;
  };
  Stats stats() const;
  // Entities holding changes not yet handed to FlushTo.
  size_t dirty_entities() const { return dirty_.size(); }

 private:
  struct Entry;

  // Looks up (s.id, entity), loading it on a miss. For windowed kinds it
  // guarantees the entry is complete from `need_bucket` upwards.
  absl::StatusOr<Entry*> GetEntry(const StateSpec& s, std::string_view entity,
                                  int64_t t, int64_t need_bucket);
  absl::StatusOr<Entry*> GetLastEntry(const StateSpec& s,
                                      std::string_view entity, bool load);
  // Reads buckets in [lo, entry->loaded_from) from the DB into the entry.
  absl::Status LoadBuckets(Entry* e, int64_t lo);
  void MarkWritten(Entry* e);
  void TrimBuckets(Entry* e);
  void Evict();

  Store* const store_;
  const size_t max_entities_;
  const int64_t lateness_ms_;

  // Keys are views of Entry::prefix, which lives as long as the entry.
  // absl::string_view, not std::: Debian builds Abseil with its own
  // string_view type, and only that one is hashable by default.
  absl::flat_hash_map<absl::string_view, std::unique_ptr<Entry>> entries_;
  std::vector<Entry*> dirty_;    // changed since the last FlushTo
  std::vector<Entry*> touched_;  // written since the last Trim
  uint64_t tick_ = 0;            // recency clock for eviction
  Stats stats_;

  // Scratch space reused across calls so hot paths do not allocate.
  std::string key_buf_;
  std::string value_buf_;
  absl::flat_hash_set<absl::string_view> seen_;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_SHARD_STATE_H_
