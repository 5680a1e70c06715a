#ifndef RISKFLOW_PIPELINE_STATE_SHARD_STATE_H_
#define RISKFLOW_PIPELINE_STATE_SHARD_STATE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pipeline/state/state_changes.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/stored_key_filter.h"
#include "pipeline/storage/store.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {

// The per-shard write-back cache in front of the state column family. One per
// engine shard and single-threaded, like the shard itself.
//
// A record per entity holds all of that entity's cached states (one entry
// per state): a windowed entry holds the buckets from some bucket
// `loaded_from` upwards, complete (anything absent there is known to be 0),
// plus the deltas not yet handed to a batch. Entities are the unit of
// recency and eviction; see docs/state-memory.md for the layout. Hot entities therefore cost a
// hash lookup and a few vector operations per event instead of a RocksDB
// read-modify-write.
//
// Consistency with the DB rests on three rules:
//  - FlushTo() hands every pending change to the engine's batch; Trim() and
//    DropAll() are the only ways data leaves the cache, and the engine calls
//    them only after the batch committed or when it flushed nothing (Trim)
//    or failed (DropAll). So a miss never reads a DB that is behind the
//    cache.
//  - Dirty entries and dirty buckets are never evicted or trimmed, except
//    buckets behind the visibility horizon, which no event can read.
//  - A query older than `loaded_from` first loads the missing range, so an
//    event later than the allowed lateness is slower, never wrong.
//
// Visibility: an event sees only state the expiry filter is guaranteed to
// have kept. The engine passes each event's log watermark to SetWatermark();
// a windowed bucket is visible while its end > watermark - retention, a
// last-seen value while its time > watermark - ttl (the half-open window of
// the watermark, docs/windows.md). On-time events (time >=
// watermark) are unaffected: their windows lie inside that horizon anyway.
// For events later than the allowed lateness this replaces "whatever
// compaction has not removed yet" with one rule, so their decisions no
// longer depend on compaction timing or on what the cache held, and live
// and replay agree. Because the watermark never goes back, data that falls
// behind the horizon can never be read again: adds into such buckets are
// no-ops, FlushTo() does not write their pending deltas and Trim() drops
// them even when dirty. A replay that flushes rarely (see
// EngineOptions::checkpoint) therefore writes little state at all.
//
// Window semantics (the plugin SDK's fake host implements the same, and the
// visibility rule once given a watermark: FakeHost::set_watermark):
//   bucket(t) = floor(t / bucket_ms);
//   total(w) at t = sum of buckets in [bucket(t - w + 1), bucket(t)], the
//   buckets of the half-open window (t - w, t] (docs/windows.md);
//   distinct count / contains over the same bucket range;
//   last-seen get is empty if nothing stored or ttl > 0 and t - stored >= ttl;
//   a query with w > spec.window_ms (or w <= 0) is InvalidArgument.
class ShardState {
 public:
  ShardState(storage::Store* store, size_t max_cached_entities,
             int64_t allowed_lateness_ms);
  ~ShardState();

  ShardState(const ShardState&) = delete;
  ShardState& operator=(const ShardState&) = delete;

  // The log watermark of the event about to be decided (see "Visibility").
  // Monotone: a lower value than the current one is ignored.
  void SetWatermark(int64_t watermark_ms);

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

  // (value, stored event time). The string_view stays valid until the next
  // LastPut of the same (state, entity), Trim() or DropAll(): lookups of
  // other states never move it (the host hands it to a plugin for the
  // whole on_event call).
  absl::StatusOr<std::optional<std::pair<std::string_view, int64_t>>> LastGet(
      const StateSpec& s, std::string_view entity, int64_t t);
  absl::Status LastPut(const StateSpec& s, std::string_view entity, int64_t t,
                       std::string_view value);

  // Appends every change since the last FlushTo to `batch` (Merge deltas for
  // counters / sums, Put for distinct members and last-seen) and marks it
  // clean. The engine commits the batch atomically with outbox and offsets.
  void FlushTo(rocksdb::WriteBatch* batch);
  // The same changes, marked clean the same way, serialised into `changes`
  // in the order they were dirtied: the sort by key is left to the
  // background writer (StateChanges::AppendSortedTo), docs/checkpoints.md. Until
  // those changes are in the store the caller must not call Trim(): an
  // evicted or trimmed entry would be read back from a store that is
  // behind the cache.
  void FlushChanges(StateChanges* changes);

  // Sliced checkpoints (docs/checkpoints.md, "Checkpoints serialised in
  // slices"): the same changes FlushChanges would hand over now, but
  // serialised in bounded slices while events go on changing the cache.
  //
  // BeginSlicedCheckpoint() makes the dirty set "pending for this
  // checkpoint" (call it S) and starts dirty tracking afresh; it also
  // remembers the visibility horizon's watermark as of S. Every later
  // serialisation of a pending record uses that watermark, so it drops
  // exactly what FlushChanges at S would have dropped. Copy-on-write per
  // record: before an event changes a record that is still pending, the
  // record's pending changes are serialised first (as of S), so the
  // checkpoint holds exactly the state as of S, and the record's new
  // changes are dirty again, for the next checkpoint. While a checkpoint
  // is pending, Trim() does nothing (a pending record must not be evicted,
  // and an evicted or trimmed clean one would be read back from a store
  // that is behind the cache). FlushChanges must not be called (finish or
  // drop the pending checkpoint first); FlushTo finishes it and writes its
  // changes ahead of the newer ones, which gives the state as of now.
  // Requires !sliced_checkpoint_pending().
  void BeginSlicedCheckpoint();
  bool sliced_checkpoint_pending() const { return pending_active_; }
  // Serialises pending records until none is left, `max_records` were
  // serialised, or `budget` passed (checked every few records). True once
  // nothing is pending: TakeSlicedCheckpoint() then hands the changes over.
  bool SerialiseSlice(size_t max_records, absl::Duration budget);
  // Requires SerialiseSlice() to have returned true. Ends the checkpoint.
  StateChanges TakeSlicedCheckpoint();
  // A written checkpoint's buffer, kept for the next one (its memory, not
  // its contents).
  void RecycleChanges(StateChanges spare);
  // Records serialised early because an event was about to change them
  // (copy-on-write), since construction (tests, log lines).
  uint64_t copy_on_write_records() const { return cow_records_; }
  // After the batch committed, or after a micro-batch that flushed nothing:
  // drops clean buckets that fell behind their entity's window + lateness
  // and any bucket behind the visibility horizon, then evicts least recently
  // used clean entities while above capacity or the memory budget (down to
  // 7/8 of it, so eviction scans are amortised).
  void Trim();
  // The first half of Trim, for the records touched since the last call
  // only (no eviction): a shard calls it after each event, while those
  // records are still in the CPU cache, when no checkpoint is in flight.
  // Run once per micro-batch over up to 2,048 events' records it missed
  // the cache on nearly every one (~10% of a shard's CPU with all
  // detectors; docs/benchmarks.md, "Issue 9, eleventh session").
  void TrimTouched();
  // Forgets everything, dirty or not (e.g. the commit failed), so the cache
  // never runs ahead of the DB.
  void DropAll();

  // As before the per-entity records, "entities" here (hits, misses,
  // entities, evictions, dirty_entities(), max_cached_entities) are
  // (state, entity) pairs; `records` counts entities, each holding all of
  // its states and evicted as a whole.
  struct Stats {
    uint64_t hits = 0, misses = 0, entities = 0, evictions = 0;
    // Pending changes FlushTo did not write because no event can see them.
    uint64_t unwritten = 0;
    uint64_t records = 0;
    // Heap bytes the cached entities hold, estimated from container
    // capacities as of the last Trim (what the memory budget compares).
    uint64_t bytes = 0;
    // Loads of a (state, entity) from the store (an iterator seek for a
    // windowed state, a Get for last-seen), and the loads skipped because
    // the stored-key filter proved the store holds nothing of it.
    uint64_t store_reads = 0, store_reads_skipped = 0;
  };
  Stats stats() const;
  // The last two of Stats, readable from any thread (metrics).
  struct StoreReads {
    uint64_t done = 0, skipped = 0;
  };
  StoreReads store_reads() const {
    return {reads_done_.load(std::memory_order_relaxed),
            reads_skipped_.load(std::memory_order_relaxed)};
  }
  // (State, entity) pairs holding changes not yet handed to FlushTo.
  size_t dirty_entities() const { return dirty_entries_; }

  // Bounds the cache by bytes as well as by max_cached_entities: Trim()
  // evicts least recently used clean entities while Stats::bytes exceeds
  // `bytes` (down to 7/8 of it). 0 (the default): no byte bound.
  void SetMemoryBudget(size_t bytes) { budget_bytes_ = bytes; }
  // Over the budget as of the last Trim, which evicts what it may: what is
  // left over it holds unwritten changes (or a pending checkpoint's).
  bool OverMemoryBudget() const {
    return budget_bytes_ > 0 && bytes_ > budget_bytes_;
  }

  // Skips the store read of a miss when `filter` proves the store holds no
  // key of the (state, entity) (stored_key_filter.h); the entry then starts
  // empty, as a read that found nothing would have left it. Every change
  // this cache serialises for the store is added to `filter` first. Shared
  // by the caches of one store; it must outlive this one. Call before the
  // first operation; null (the default): every miss reads.
  void UseStoredKeyFilter(StoredKeyFilter* filter) { stored_keys_ = filter; }

  // Prefetching ahead (docs/state-memory.md, "Prefetch ahead"). A cold
  // entity is a chain of dependent misses: hash slot -> record -> entry
  // pointers -> entries -> bucket vectors. While the shard decides one
  // event it walks the next events' partition entity down that chain one
  // link per event decided, so each link's load is in flight while an
  // event is decided and the detectors find the chain in the CPU cache.
  //
  // Stage k (0 <= k < kPrefetchStages) issues prefetches for link k only,
  // reading just what stages < k brought in, so it never waits for memory
  // when they ran earlier (and is merely slower when they did not). It
  // changes nothing: no lookup is counted, nothing is loaded or inserted,
  // recency is untouched, and an entity not cached just prefetches a slot.
  //
  // The entity's companions go along two stages behind: the derived
  // entities (account+currency, ...) that its last event's detectors found
  // cached (EndEvent). They are remembered by hash only and found through
  // the record set like the entity itself, so a companion evicted since
  // costs a wasted slot prefetch, never a stale pointer.
  static constexpr int kPrefetchStages = 7;
  void PrefetchEntity(std::string_view entity, int stage);
  // The same with the entity's hash computed once (EntityHash) by a caller
  // that prefetches it over several stages: the derived entities the
  // detectors hint (ABI 1.3 entity_hints, docs/state-memory.md "Entity
  // hints"). Stages 0..4 only (a derived record has no companions).
  // Whether the entity may still be cached: false once stage 1 found no
  // slot whose hash tag matches, or stage 2 or later no record of the
  // entity, so the caller can skip its later stages (an absent entity's
  // look-up reads the stored-key filter instead: PrefetchStoredKeyBlock).
  // Stage 0 answers true.
  bool PrefetchEntity(std::string_view entity, size_t hash, int stage);
  static size_t EntityHash(std::string_view entity);
  // The stored-key filter's block for the entity of EntityHash `hash`
  // into the CPU cache: a new derived entity's first look-up checks it
  // (StoredKeyFilter::MaybeStored). No-op without a filter.
  void PrefetchStoredKeyBlock(size_t hash) const {
    if (stored_keys_ != nullptr) stored_keys_->PrefetchBlockOfHash(hash);
  }
  // After an event whose partition entity is `partition` was decided:
  // the other records its look-ups found become `partition`'s companions
  // (newest first, then the previous ones, up to kCompanions).
  void EndEvent(std::string_view partition);
  static constexpr int kCompanions = 3;

 private:
  // Read-only view of the cached values for measurements and tests
  // (shard_state_inspector.h).
  friend class ShardStateInspector;
  struct SpecInfo;
  struct Entry;
  struct Record;

  // Looks up (s, entity), loading it on a miss. For windowed kinds it
  // guarantees the entry is complete from `need_bucket` upwards. Entries
  // and records never move: the pointers stay valid until Trim or DropAll.
  absl::StatusOr<Entry*> GetEntry(const StateSpec& s, std::string_view entity,
                                  int64_t t, int64_t need_bucket,
                                  Record** record);
  absl::StatusOr<Entry*> GetLastEntry(const StateSpec& s,
                                      std::string_view entity, bool load,
                                      Record** record);
  // The entity's record, or null. The detectors of one event ask for the
  // same entity over and over (every state of the account), so the last
  // record found is checked first: one string compare instead of a hash
  // and a probe.
  Record* FindRecord(std::string_view entity);
  // The record's entry of state `s`, or null. FailedPrecondition if the
  // entity caches `s` with another kind or bucket size.
  absl::StatusOr<Entry*> FindEntry(Record* r, const StateSpec& s);
  // Adds a freshly loaded entry, creating the record if needed.
  Entry* AddEntry(std::string_view entity, Record* r, Entry&& fresh,
                  Record** record);
  uint32_t InternSpec(const StateSpec& s);
  // Reads buckets in [lo, entry->loaded_from) from the DB into the entry.
  absl::Status LoadBuckets(std::string_view entity, Entry* e, int64_t lo);
  // The first bucket an event at the current watermark may see, for a state
  // with this retention and bucket size (kMin: all of them).
  int64_t VisibleFrom(int64_t retention_ms, int64_t bucket_ms) const {
    return VisibleFromAt(watermark_, retention_ms, bucket_ms);
  }
  // The same at a given watermark (a pending checkpoint's).
  static int64_t VisibleFromAt(int64_t watermark, int64_t retention_ms,
                               int64_t bucket_ms);
  // The first bucket a query over `window_ms` at t reads.
  int64_t QueryFrom(const StateSpec& s, int64_t t, int64_t window_ms) const;
  void MarkWritten(Record* r, Entry* e);
  // Hands one dirty entry's changes to `out` (Merge / Put of key, value)
  // and marks them clean.
  // `as_of_pending`: with the horizon (watermark, retention) as of the
  // pending sliced checkpoint's start instead of the current one.
  void FlushEntry(Record* r, Entry* e, bool as_of_pending, StateChanges& out);
  // Copy-on-write: serialises a pending record's changes (as of the
  // pending checkpoint) before anything changes it. Cheap when not pending.
  void BeforeChange(Record* r) {
    if (IsPending(r)) {
      ++cow_records_;
      SerialisePending(r);
    }
  }
  void SerialisePending(Record* r);
  bool IsPending(const Record* r) const;
  void MarkAllClean();
  void MarkTouched(Record* r);
  void TrimBuckets(Entry* e);
  // Heap bytes a record holds (estimate from capacities; see Stats::bytes).
  size_t RecordBytes(const Record& r) const;
  void Evict();

  // The store may hold a key of (id, entity): no filter, or it cannot rule
  // it out. Counts the read about to be done or skipped.
  bool MaybeStored(uint64_t id, std::string_view entity);

  storage::Store* const store_;
  StoredKeyFilter* stored_keys_ = nullptr;  // UseStoredKeyFilter
  const size_t max_entities_;
  size_t budget_bytes_ = 0;  // SetMemoryBudget; 0: none
  const int64_t lateness_ms_;
  int64_t watermark_;  // see SetWatermark

  // One record per entity, found by its entity (8-byte slots: the key is
  // the record's own entity). absl::string_view, not std::: Debian builds
  // Abseil with its own string_view type, and only that one is hashable by
  // default.
  // PrefetchEntity's look-up key: finds the entity's slot by hash and
  // does one stage's prefetches on the records whose slot matches, instead
  // of comparing (RecordEq always answers "no", so find() changes nothing).
  struct PrefetchProbe {
    std::string_view entity;
    size_t hash;
    int stage;
    // A companion, known by hash only: every record whose slot matches the
    // hash tag gets the stage (a rare false one: a wasted prefetch).
    bool by_hash;
    ShardState* state;  // for the companions of a matching record
    // Set by PrefetchStep: a slot's tag matched (stage 1) or the record is
    // the entity's (stage >= 2).
    mutable bool matched = false;
  };
  void PrefetchHashed(size_t hash, int stage);
  // One stage of either: whether a record matched (stage 0: true).
  bool Prefetch(const PrefetchProbe& probe);
  struct RecordHash {
    using is_transparent = void;
    size_t operator()(absl::string_view entity) const;
    size_t operator()(const std::unique_ptr<Record>& r) const;
    size_t operator()(const PrefetchProbe& p) const { return p.hash; }
  };
  struct RecordEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) == View(b);
    }
    bool operator()(const std::unique_ptr<Record>& r,
                    const PrefetchProbe& p) const {
      return PrefetchStep(*r, p);
    }
    bool operator()(const PrefetchProbe& p,
                    const std::unique_ptr<Record>& r) const {
      return PrefetchStep(*r, p);
    }
    static absl::string_view View(absl::string_view entity);
    static absl::string_view View(const std::unique_ptr<Record>& r);
  };
  // One stage of PrefetchEntity on a record whose slot matches the probe's
  // hash tag. Always false (not a match): find() goes on and returns end().
  static bool PrefetchStep(const Record& r, const PrefetchProbe& p);
  absl::flat_hash_set<std::unique_ptr<Record>, RecordHash, RecordEq> records_;
  // Interned per (id, kind, bucket_ms); indices are stable.
  std::vector<SpecInfo> specs_;
  absl::flat_hash_map<std::tuple<uint64_t, int, int64_t>, uint32_t>
      spec_index_;
  std::vector<Record*> dirty_;    // changed since the last FlushTo
  std::vector<Record*> touched_;  // changed or loaded since the last Trim
  uint64_t tick_ = 0;             // recency clock for eviction
  size_t entries_ = 0;            // (state, entity) pairs cached
  size_t dirty_entries_ = 0;      // of which changed since the last FlushTo
  size_t bytes_ = 0;              // sum of Record::bytes
  Stats stats_;
  // Stats::store_reads / store_reads_skipped: written by the shard thread
  // only (a plain load and store, no locked add), read by metrics.
  std::atomic<uint64_t> reads_done_{0};
  std::atomic<uint64_t> reads_skipped_{0};

  // The sliced checkpoint (BeginSlicedCheckpoint), if pending_active_.
  bool pending_active_ = false;
  uint8_t epoch_ = 0;          // records dirtied now get this epoch
  uint8_t pending_epoch_ = 0;  // the pending checkpoint's records have this
  int64_t pending_watermark_ = 0;   // watermark_ as of its start
  std::vector<Record*> pending_;    // its records (some already serialised)
  size_t pending_pos_ = 0;          // pending_[< pos] are serialised
  // A hot reload may change a state's retention between slices: the
  // horizon as of the start uses the retention as of the start (by spec
  // index; specs interned later have no pending entry).
  std::vector<int64_t> pending_retention_;
  StateChanges pending_changes_;
  StateChanges spare_changes_;
  // FindRecord's last answer; reset whenever a record is destroyed.
  Record* last_record_ = nullptr;
  // Hashes of the records FindRecord found by look-up since the last
  // EndEvent (the candidates for the event's companions).
  size_t found_hashes_[kCompanions + 2] = {};
  int found_count_ = 0;
  uint64_t cow_records_ = 0;

  // Scratch space reused across calls so hot paths do not allocate.
  std::string key_buf_;
  std::string value_buf_;
  absl::flat_hash_set<absl::string_view> seen_;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_SHARD_STATE_H_
