#ifndef RISKFLOW_PIPELINE_LOG_HORIZON_ID_TABLE_H_
#define RISKFLOW_PIPELINE_LOG_HORIZON_ID_TABLE_H_

// The hash part of the horizon idempotency index (horizon_id_index.h):
// fingerprint -> sequence for at most `max_entries` live ids, in one
// open-addressing table allocated once, at its final size, and never
// rehashed (docs/segment-log.md, "The idempotency index without rehash").
//
// Why not absl::flat_hash_map: it doubles (rehashing every entry) while it
// fills towards the horizon, and at the horizon, where every insert comes
// with an erase, its tombstones force a full in-place rehash every so
// often. Either way the log's writer — and every ack behind it — stalls
// for tens of milliseconds on a multi-million-entry table.
//
// Layout: linear probing over 8-byte slots, 0 = empty, else
//   (32-bit hash of the fingerprint) << 32 | (low 32 bits of the sequence).
// The slot's home is the hash's top bits, so deletion can shift the rest of
// a cluster back (no tombstones, so probe lengths never degrade) without
// reading the fingerprints. The fingerprint and content hash themselves
// live once, in the index's sequence-ordered chunks; a lookup reads them
// only for a slot whose 32-bit hash matches. The sequence is rebuilt from
// its low bits and the newest sequence: live ids span fewer than 2^31
// sequences. Capacity: the power of two >= max_entries * 4 / 3 (load
// factor 3/8..3/4), i.e. 10.7-21.3 bytes per id at a full horizon.
//
// Not thread-safe.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include "pipeline/log/id_index.h"

namespace riskflow::log {

class HorizonIdTable {
 public:
  // Live ids must span fewer than 2^31 sequences.
  static constexpr uint64_t kMaxEntries = (uint64_t{1} << 31) - 1;

  // max_entries in [1, kMaxEntries]. The memory is only reserved: pages
  // are touched (and zero-filled by the kernel) as ids land on them.
  explicit HorizonIdTable(uint64_t max_entries);
  HorizonIdTable(const HorizonIdTable&) = delete;
  HorizonIdTable& operator=(const HorizonIdTable&) = delete;

  // The sequence recorded for fp, if any. `newest` is the highest sequence
  // in the table; is_fp(seq) says whether seq's entry has fingerprint fp
  // (called only for slots whose hash matches).
  template <typename IsFp>
  std::optional<uint64_t> Find(const IdFingerprint& fp, uint64_t newest,
                               const IsFp& is_fp) const {
    const uint32_t hash = Hash(fp);
    for (uint64_t i = Home(hash);; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return std::nullopt;
      if (static_cast<uint32_t>(slot >> 32) == hash) {
        const uint64_t seq = Sequence(slot, newest);
        if (is_fp(seq)) return seq;
      }
    }
  }

  // Records fp at seq (the newest sequence) unless it is already there;
  // returns false (and changes nothing) then.
  template <typename IsFp>
  bool Insert(const IdFingerprint& fp, uint64_t seq, const IsFp& is_fp) {
    const uint32_t hash = Hash(fp);
    uint64_t i = Home(hash);
    for (;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) break;
      if (static_cast<uint32_t>(slot >> 32) == hash &&
          is_fp(Sequence(slot, seq))) {
        return false;
      }
    }
    slots_[i] = Slot(hash, seq);
    ++size_;
    return true;
  }

  // Removes the entry fp got at seq; false when there is none (the id was
  // already there when seq was appended).
  bool Erase(const IdFingerprint& fp, uint64_t seq);

  void Clear();
  uint64_t size() const { return size_; }
  uint64_t capacity() const { return mask_ + 1; }
  size_t memory_bytes() const { return capacity() * sizeof(uint64_t); }

 private:
  struct Free {
    void operator()(uint64_t* p) const { std::free(p); }
  };

  static uint32_t Hash(const IdFingerprint& fp) {
    // Fingerprints are already uniform; the multiply only guards against
    // callers that fill one half. Never 0, so a slot is never 0.
    return static_cast<uint32_t>(
               ((fp.high ^ fp.low) * 0x9E3779B97F4A7C15ull) >> 32) |
           1u;
  }
  uint64_t Home(uint32_t hash) const { return hash >> shift_; }
  static uint64_t Slot(uint32_t hash, uint64_t seq) {
    return uint64_t{hash} << 32 | static_cast<uint32_t>(seq);
  }
  static uint64_t Sequence(uint64_t slot, uint64_t newest) {
    return newest - static_cast<uint32_t>(static_cast<uint32_t>(newest) -
                                          static_cast<uint32_t>(slot));
  }

  uint64_t mask_ = 0;
  int shift_ = 0;  // 32 - log2(capacity)
  uint64_t size_ = 0;
  std::unique_ptr<uint64_t[], Free> slots_;
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_HORIZON_ID_TABLE_H_
