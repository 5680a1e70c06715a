#ifndef RISKFLOW_PIPELINE_LOG_ID_INDEX_H_
#define RISKFLOW_PIPELINE_LOG_ID_INDEX_H_

// An idempotency index for replay: (channel, event_id) -> log sequence, kept
// in memory up to a budget and spilled to the log store beyond it.
//
// Why not the RocksDB index the live log uses: every event costs a Get and
// a Put of a random key into a growing memtable skiplist, about 30% of
// replay throughput. A replay's log store is scratch space rebuilt on every
// run, so it needs no crash-safe index, only an exact-enough and bounded one.
//
// Why fingerprints, not exact keys: an exact key is a std::string of
// 4 + channel + event_id bytes (~45 for a UUID id), i.e. a 32-byte string
// object plus a heap block, ~90 B per id in a hash map. A fingerprint is the
// 128-bit XXH3 hash of IdempotencyKey(channel, event_id), stored inline.
//
// Collisions: two distinct ids collide with probability ~n^2 / 2^129 over n
// ids (birthday bound), ~1.5e-21 for 1e9 ids. A collision would make a new
// event look like a re-send of another one (reported as a duplicate with
// that one's sequence); at these odds that is far below hardware error rates.
//
// Memory: a slot is 16 B fingerprint + 8 B sequence + 1 control byte. Swiss
// tables have 2^k - 1 slots and grow past 7/8 full, so the cost is
// 25 B / load factor: ~29 B per entry when full, up to ~57 B just after a
// growth (event_log_bench measured 32.8 B/entry at 200K ids, 52.4 at 1M,
// 43.7 for a table reserved at a budget of 300K). After the first spill the
// table stays reserved at the budget (one allocation, no rehashing). A
// budget of exactly 7/8 of a power of two fills its table: 3'670'016
// entries use 2^22 slots, ~105 MB; 7'340'032 use 2^23, ~210 MB.
//
// Spilling: when an Insert finds the map at its budget, every entry is
// written to Cf::kIdem (key = FingerprintKey, value = SequenceKey(seq)),
// sorted by key, and the map is cleared. From then on a lookup that misses
// memory also probes the store (bloom filters make most misses cheap), so
// nothing is ever forgotten. The spill goes out in chunks of kSpillChunk
// entries rather than one WriteBatch: a batch of millions would double the
// process's memory and overrun the store's memtable budget at once, and
// atomicity is not needed (a half-written spill leaves some entries both in
// memory and in the store with the same sequence; the map is cleared only
// once every chunk is written). Sorted order keeps RocksDB's memtable insert
// cheap (its skiplist reuses the previous insert's position).
//
// The fingerprint keys are 16 bytes and share Cf::kIdem's key space with
// the live index's variable-length exact keys, so a store must hold one kind
// only; EventLog::Open refuses a non-empty store in memory mode.
//
// Thread-compatible, not thread-safe: EventLog serializes access.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/storage/store.h"

namespace riskflow::log {

// The 128-bit XXH3 hash of IdempotencyKey(channel, event_id).
struct IdFingerprint {
  uint64_t high = 0;
  uint64_t low = 0;

  friend bool operator==(const IdFingerprint& a, const IdFingerprint& b) {
    return a.high == b.high && a.low == b.low;
  }
  friend bool operator<(const IdFingerprint& a, const IdFingerprint& b) {
    return a.high != b.high ? a.high < b.high : a.low < b.low;
  }
  template <typename H>
  friend H AbslHashValue(H h, const IdFingerprint& f) {
    return H::combine(std::move(h), f.high, f.low);
  }
};

IdFingerprint FingerprintId(std::string_view channel,
                            std::string_view event_id);

// The 16 bytes, big-endian (high then low), so bytewise order is
// fingerprint order.
std::string FingerprintKey(const IdFingerprint& fp);

class MemoryIdIndex {
 public:
  // Entries per spill write (~2 MB batches).
  static constexpr size_t kSpillChunk = 1 << 16;

  // max_memory_entries >= 1. Spills are written with `sync` (false for a
  // replay's scratch store).
  MemoryIdIndex(storage::Store* store, size_t max_memory_entries, bool sync);

  MemoryIdIndex(const MemoryIdIndex&) = delete;
  MemoryIdIndex& operator=(const MemoryIdIndex&) = delete;

  // The sequence the id was inserted with, if any. Fails only when the
  // store probe (after a spill) fails.
  absl::StatusOr<std::optional<uint64_t>> Lookup(const IdFingerprint& fp);
  absl::StatusOr<std::optional<uint64_t>> Lookup(std::string_view channel,
                                                 std::string_view event_id);

  // Records a new id; the caller has checked it is absent. If the map is at
  // its budget it spills first. A failed spill keeps everything in memory
  // (the new entry too, so the map is over budget until a later Spill()
  // succeeds) and returns the error: the index stays exact either way.
  absl::Status Insert(const IdFingerprint& fp, uint64_t sequence);
  absl::Status Insert(std::string_view channel, std::string_view event_id,
                      uint64_t sequence);

  // Writes every in-memory entry to the store and clears the map.
  absl::Status Spill();

  size_t size() const { return map_.size(); }
  size_t max_memory_entries() const { return max_entries_; }
  bool over_budget() const { return map_.size() > max_entries_; }
  // Completed spills and the entries they wrote.
  uint64_t spills() const { return spills_; }
  uint64_t spilled_entries() const { return spilled_entries_; }
  // The table's allocation: slots * (slot + control byte).
  size_t memory_bytes() const;

 private:
  using Map = absl::flat_hash_map<IdFingerprint, uint64_t>;

  storage::Store* store_;
  size_t max_entries_;
  bool sync_;
  Map map_;
  uint64_t spills_ = 0;
  uint64_t spilled_entries_ = 0;
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_ID_INDEX_H_
