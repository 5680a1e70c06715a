#ifndef RISKFLOW_PIPELINE_LOG_HORIZON_ID_TABLE_H_
#define RISKFLOW_PIPELINE_LOG_HORIZON_ID_TABLE_H_

// The hash part of the horizon idempotency index (horizon_id_index.h):
// fingerprint -> sequence for at most `max_entries` live ids, in an
// open-addressing table that starts small and doubles by incremental
// migration, never by a whole rehash (docs/segment-log.md, "The idempotency
// index without rehash").
//
// Why not absl::flat_hash_map: it doubles by rehashing every entry in one
// insert, and at the horizon, where every insert comes with an erase, its
// tombstones force a full in-place rehash every so often. Either way the
// log's writer — and every ack behind it — stalls for tens of milliseconds
// on a multi-million-entry table. Why not one table allocated at its final
// size (the previous version): ids land uniformly, so a fresh daemon
// faults in the whole table (128 MiB at the default 10M horizon) within its
// first million events, and page faults on fresh memory are expensive.
//
// Layout: linear probing over 8-byte slots, 0 = empty, else
//   (32-bit hash of the fingerprint) << 32 | (low 32 bits of the sequence).
// The slot's home is the hash's top bits, so deletion can shift the rest of
// a cluster back (no tombstones, so probe lengths never degrade) and a
// slot can move to a bigger table, without reading the fingerprints. The
// fingerprint and content hash themselves live once, in the index's
// sequence-ordered chunks; a lookup reads them only for a slot whose 32-bit
// hash matches. The sequence is rebuilt from its low bits and the newest
// sequence: live ids span fewer than 2^31 sequences.
//
// Growth: the table starts sized for min(max_entries, initial_entries) ids
// and doubles when it passes 3/4 load, up to the power of two >=
// max_entries * 4 / 3 (so 10.7-21.3 bytes per id at a full horizon, as the
// fixed table had). A doubling allocates the new table (lazily zeroed pages
// from mmap) and then every Insert moves at most kMigrateSlotsPerInsert
// slots of the old table, walking it backwards from just before an empty
// slot: each move empties the last slot of a cluster, which is a valid
// deletion, so the old table stays a correct linear-probing table (erases
// keep shifting within it) and lookups consult both until it is empty.
// The migration ends within capacity/8 inserts, long before the new table
// could need to grow again.
//
// A doubling's table prepared ahead: the new table's pages are zero-filled
// by the kernel on first touch, and the first inserts after a doubling land
// all over it (2 MiB huge pages on this VM: 16 faults for the first
// doubling, each clearing 2 MiB, in one log group) — a 40-90 ms stall of the
// writer and every ack behind it, once per doubling. So once the table is
// 9/16 full (half-way from the last doubling, at 3/8, to the next, at
// 3/4), TakeSpareRequest names the next size once, and the caller has
// another thread allocate it and fault its pages in (PrepareSpare); the
// doubling takes it if it is ready, and allocates as before if not
// (docs/segment-log.md).
//
// Not thread-safe, except PrepareSpare (which must not run concurrently
// with the destructor).

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>

#include "pipeline/log/id_index.h"

namespace riskflow::log {

class HorizonIdTable {
 public:
  // Live ids must span fewer than 2^31 sequences.
  static constexpr uint64_t kMaxEntries = (uint64_t{1} << 31) - 1;
  // A fresh table holds this many ids before its first doubling (2 Mi
  // slots, 16 MiB), unless max_entries is smaller.
  static constexpr uint64_t kDefaultInitialEntries = uint64_t{1} << 20;
  // Old-table slots moved per Insert while a doubling is in progress: one
  // cache line of them; bounds the extra work of any single Insert.
  static constexpr uint64_t kMigrateSlotsPerInsert = 8;

  // max_entries in [1, kMaxEntries]. The memory is only reserved: pages
  // are touched (and zero-filled by the kernel) as ids land on them.
  explicit HorizonIdTable(uint64_t max_entries,
                          uint64_t initial_entries = kDefaultInitialEntries);
  ~HorizonIdTable();
  HorizonIdTable(const HorizonIdTable&) = delete;
  HorizonIdTable& operator=(const HorizonIdTable&) = delete;

  // The sequence recorded for fp, if any. `newest` is the highest sequence
  // in the table; is_fp(seq) says whether seq's entry has fingerprint fp
  // (called only for slots whose hash matches).
  template <typename IsFp>
  std::optional<uint64_t> Find(const IdFingerprint& fp, uint64_t newest,
                               const IsFp& is_fp) const {
    const uint32_t hash = Hash(fp);
    uint64_t unused;
    if (auto seq = cur_.Find(hash, newest, is_fp, &unused)) return seq;
    if (old_.slots != nullptr) return old_.Find(hash, newest, is_fp, &unused);
    return std::nullopt;
  }

  // Records fp at seq (the newest sequence) unless it is already there;
  // returns false (and changes nothing) then.
  template <typename IsFp>
  bool Insert(const IdFingerprint& fp, uint64_t seq, const IsFp& is_fp) {
    const uint32_t hash = Hash(fp);
    uint64_t i;
    if (cur_.Find(hash, seq, is_fp, &i).has_value()) return false;
    if (old_.slots != nullptr) {
      uint64_t unused;
      if (old_.Find(hash, seq, is_fp, &unused).has_value()) return false;
    }
    cur_.slots[i] = Slot(hash, seq);
    ++size_;
    AfterInsert();
    return true;
  }

  // Removes the entry fp got at seq; false when there is none (the id was
  // already there when seq was appended).
  bool Erase(const IdFingerprint& fp, uint64_t seq);

  // On an empty table: sizes it at once for `entries` ids (at most the
  // horizon), so a rebuild that knows how many ids it loads does no
  // doublings (each would move every entry once more).
  void Reserve(uint64_t entries);

  // Back to an empty table of the initial size.
  void Clear();

  // Once per doubling, when the table is 9/16 full: the slot count of the
  // next table, to be prepared by PrepareSpare off this thread; else 0.
  uint64_t TakeSpareRequest() {
    if (spare_requested_ || size_ <= spare_at_ || old_.slots != nullptr ||
        capacity() >= max_capacity_) {
      return 0;
    }
    spare_requested_ = true;
    wanted_spare_slots_.store(2 * capacity());
    return 2 * capacity();
  }
  // Any thread: allocates a table of `slots` slots with every page faulted
  // in, for the next doubling. Keeps it only while that request is open: a
  // table prepared too late (the doubling came first, or Clear) would
  // otherwise be held until the next doubling, or for good after the
  // last. At most one is held. Out of memory: no table, the doubling
  // allocates its own.
  void PrepareSpare(uint64_t slots);
  // Withdraws the open request and drops a prepared table (a stop: not
  // worth faulting in); the next insert past 9/16 asks again.
  void WithdrawSpare();
  // For tests: whether a prepared table is held.
  bool spare_ready() const { return spare_.load() != nullptr; }
  // For tests: runs in PrepareSpare after its table is faulted in, just
  // before it is published (to withdraw the request at that moment).
  void SetBeforePublishForTest(std::function<void()> hook) {
    before_publish_for_test_ = std::move(hook);
  }
  uint64_t size() const { return size_; }
  // Slots of the current (newest) table.
  uint64_t capacity() const { return cur_.mask + 1; }
  // Slots the table grows to at most.
  uint64_t max_capacity() const { return max_capacity_; }
  bool migrating() const { return old_.slots != nullptr; }
  // The prepared table counts by the open request's size: the pointer is
  // not followed here, the other thread may be replacing it.
  size_t memory_bytes() const {
    return cur_.bytes() + (old_.slots != nullptr ? old_.bytes() : 0) +
           (spare_ready() ? wanted_spare_slots_.load() * sizeof(uint64_t)
                          : 0);
  }
  // For tests: doublings so far, and the most old-table slots one Insert
  // visited to migrate them.
  uint64_t growths() const { return growths_; }
  // Doublings that took a table PrepareSpare had ready.
  uint64_t growths_with_spare() const { return growths_with_spare_; }
  uint64_t max_migrated_per_insert() const { return max_migrated_per_insert_; }

 private:
  struct Table {
    uint64_t* slots = nullptr;
    uint64_t mask = 0;
    int shift = 0;  // 32 - log2(capacity)

    size_t bytes() const { return (mask + 1) * sizeof(uint64_t); }
    uint64_t Home(uint32_t hash) const { return hash >> shift; }
    // Probes for hash's entry of fingerprint is_fp; *end is the empty slot
    // that ended a miss.
    template <typename IsFp>
    std::optional<uint64_t> Find(uint32_t hash, uint64_t newest,
                                 const IsFp& is_fp, uint64_t* end) const {
      for (uint64_t i = Home(hash);; i = (i + 1) & mask) {
        const uint64_t slot = slots[i];
        if (slot == 0) {
          *end = i;
          return std::nullopt;
        }
        if (static_cast<uint32_t>(slot >> 32) == hash) {
          const uint64_t seq = Sequence(slot, newest);
          if (is_fp(seq)) return seq;
        }
      }
    }
    // Puts a slot known to be absent at the end of its probe.
    void Place(uint64_t slot) {
      uint64_t i = Home(static_cast<uint32_t>(slot >> 32));
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = slot;
    }
    bool Erase(uint64_t want, uint32_t hash);
  };

  static uint32_t Hash(const IdFingerprint& fp) {
    // Fingerprints are already uniform; the multiply only guards against
    // callers that fill one half. Never 0, so a slot is never 0.
    return static_cast<uint32_t>(
               ((fp.high ^ fp.low) * 0x9E3779B97F4A7C15ull) >> 32) |
           1u;
  }
  static uint64_t Slot(uint32_t hash, uint64_t seq) {
    return uint64_t{hash} << 32 | static_cast<uint32_t>(seq);
  }
  static uint64_t Sequence(uint64_t slot, uint64_t newest) {
    return newest - static_cast<uint32_t>(static_cast<uint32_t>(newest) -
                                          static_cast<uint32_t>(slot));
  }
  static Table Allocate(uint64_t capacity);
  static void Release(Table* table);
  // Unmaps and frees a heap-held table (the spare); null is fine.
  static void Delete(Table* table);
  // Drops the spare, if any.
  void ReleaseSpare();
  // grow_at_ and spare_at_ for the current capacity.
  void SetThresholds();

  // Migrates a step, or starts a doubling once past 3/4 load.
  void AfterInsert() {
    if (old_.slots != nullptr) {
      MigrateStep();
    } else if (size_ > grow_at_ && capacity() < max_capacity_) {
      StartGrowth();
    }
  }
  void StartGrowth();
  void MigrateStep();

  uint64_t initial_capacity_ = 0;
  uint64_t max_capacity_ = 0;
  uint64_t grow_at_ = 0;  // size beyond which cur_ doubles
  uint64_t size_ = 0;     // entries in both tables
  Table cur_;
  Table old_;                // being emptied into cur_; slots null: none
  uint64_t migrate_pos_ = 0;   // next old slot to move (walking down)
  uint64_t migrate_left_ = 0;  // old slots not yet visited
  uint64_t growths_ = 0;
  uint64_t max_migrated_per_insert_ = 0;
  // The next doubling's table (PrepareSpare); null: none ready.
  std::atomic<Table*> spare_{nullptr};
  // The open request's slot count; 0 once its doubling started or Clear.
  std::atomic<uint64_t> wanted_spare_slots_{0};
  uint64_t spare_at_ = 0;  // size beyond which TakeSpareRequest asks
  bool spare_requested_ = false;
  uint64_t growths_with_spare_ = 0;
  std::function<void()> before_publish_for_test_;
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_HORIZON_ID_TABLE_H_
