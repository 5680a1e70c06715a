#ifndef RISKFLOW_PIPELINE_STATE_STORED_KEY_FILTER_H_
#define RISKFLOW_PIPELINE_STATE_STORED_KEY_FILTER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace riskflow::state {

// Proves "the state column family holds no key of this (state id, entity)"
// so that a shard cache's miss can skip its RocksDB read (an iterator Seek
// for windowed states, a Get for last-seen) when the answer is no: nearly
// every first touch of an entity finds nothing (docs/state-memory.md,
// "Never-stored state is not read").
//
// A blocked Bloom filter: one 64-byte block (a cache line) per key, kBits
// bits set inside it. The block is picked by the entity alone, so all the
// states of one entity share it: the detectors of one event check an
// entity's states back to back, and only the first check misses the CPU
// cache (the bits still depend on the state id). False positives
// ("maybe" for a key never stored) only cost the read they would have
// done anyway; a false negative would lose state, so:
//  - every (id, entity) whose change is serialised for the store is Add()ed
//    first (ShardState::FlushEntry, before the change leaves the shard);
//  - the keys already in the store when the process started are added by a
//    scan (StoredKeyScan), and until MarkReady() every check answers "maybe".
// Bits are only ever set, never cleared: a filter that fills up answers
// "maybe" more and more often (it degrades to reading), never "not stored"
// for a key it was given.
//
// Shared by every shard of one engine store. Add and MaybeStored are
// lock-free: relaxed atomic loads and fetch_or on 64-bit words. A given
// (id, entity) is added and checked by the shard thread that owns it (see
// the doc for the argument and for what holds when it is not); the scan's
// adds are published by MarkReady's release store, which MaybeStored reads
// with acquire.
//
// The bit array is an anonymous mapping of `bytes` (rounded up to a page),
// on transparent huge pages where the kernel grants them; Populate() (run
// by the scan thread once the filter is ready) makes all of it resident.
class StoredKeyFilter {
 public:
  static constexpr size_t kBlockBytes = 64;
  static constexpr int kBits = 6;  // bits set per key, all in one block

  // `bytes` is rounded up to whole blocks, at least one.
  explicit StoredKeyFilter(size_t bytes);
  ~StoredKeyFilter();
  StoredKeyFilter(const StoredKeyFilter&) = delete;
  StoredKeyFilter& operator=(const StoredKeyFilter&) = delete;

  // The store may hold (or is about to hold) a key of (id, entity).
  void Add(uint64_t id, std::string_view entity);
  // False only if the store holds no key of (id, entity): the filter is
  // ready and at least one of its bits is clear.
  bool MaybeStored(uint64_t id, std::string_view entity) const;

  // Brings the block MaybeStored(id, entity) would read, for any id, into
  // the CPU cache (a prefetch, no load), given
  // absl::Hash<absl::string_view>()(entity), the hash the shard cache's
  // record set uses (ShardState::EntityHash): for a shard that knows an
  // entity a coming event will look up (ShardState::PrefetchStoredKeyBlock).
  void PrefetchBlockOfHash(size_t entity_hash) const;
  // Every key of the store as of the scan has been added.
  void MarkReady() { ready_.store(true, std::memory_order_release); }
  // Faults every page of the array in now (contents unchanged; safe while
  // shards add and check). For a background thread at start: keys land on
  // random blocks, so otherwise a fresh daemon's shards take these faults
  // in their first seconds and again at the first checkpoint, which adds
  // every written key.
  void Populate();
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  size_t bytes() const { return blocks_ * kBlockBytes; }
  // The block (cache line) holding the bits of (id, entity): the same for
  // every id of one entity (tests).
  size_t BlockIndex(uint64_t id, std::string_view entity) const;
  // The fraction of bits set, from a sample of blocks (it reads them, so it
  // touches pages: for logs and tests, not the hot path).
  double ApproxFill(size_t sample_blocks = 4096) const;

 private:
  struct Probe {
    uint64_t* block;          // 8 words
    uint64_t mask[kBlockBytes / 8];
  };
  Probe ProbeOf(uint64_t id, std::string_view entity) const;
  // The block of an entity, from Mix(its absl hash).
  uint64_t* BlockOf(uint64_t entity_hash) const;

  size_t blocks_ = 0;
  size_t mapped_ = 0;       // bytes mapped
  uint64_t* words_ = nullptr;
  std::atomic<bool> ready_{false};
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STORED_KEY_FILTER_H_
