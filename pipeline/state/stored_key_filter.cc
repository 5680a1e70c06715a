#include "pipeline/state/stored_key_filter.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace riskflow::state {
namespace {

constexpr size_t kWordsPerBlock = StoredKeyFilter::kBlockBytes / 8;

// Spreads a 64-bit hash (the finaliser of MurmurHash3 / splitmix64).
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

StoredKeyFilter::StoredKeyFilter(size_t bytes) {
  blocks_ = std::max<size_t>(1, (bytes + kBlockBytes - 1) / kBlockBytes);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  mapped_ = (blocks_ * kBlockBytes + page - 1) / page * page;
  // Zero pages, faulted in by Populate (or by the first writes before it).
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Keys land on uniformly random blocks, so the first few thousand touch
  // every page: as 4 KiB pages that was 8,192 page faults (~26 µs each on
  // this VM, ~0.2 s of shard time) in a fresh daemon's first second, a
  // visible stall in the ack log (docs/evaluate-lane.md). Transparent huge
  // pages, where the kernel gives them on request (Debian's "madvise"
  // default), make it 16 faults and spare the TLB on every probe. Advice
  // only: without THP nothing changes.
  (void)::madvise(p, mapped_, MADV_HUGEPAGE);
  words_ = static_cast<uint64_t*>(p);
}

StoredKeyFilter::~StoredKeyFilter() { ::munmap(words_, mapped_); }

void StoredKeyFilter::Populate() {
#ifdef MADV_POPULATE_WRITE
  if (::madvise(words_, mapped_, MADV_POPULATE_WRITE) == 0) return;
#endif
  // Older kernels: an atomic OR of nothing into one word per page is a
  // write fault that changes no bit a shard may be setting meanwhile.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (size_t off = 0; off < mapped_; off += page) {
    reinterpret_cast<std::atomic<uint64_t>*>(words_ + off / sizeof(uint64_t))
        ->fetch_or(0, std::memory_order_relaxed);
  }
}

StoredKeyFilter::Probe StoredKeyFilter::ProbeOf(uint64_t id,
                                                std::string_view entity) const {
  const uint64_t entity_hash = Mix(absl::Hash<absl::string_view>()(
      absl::string_view(entity.data(), entity.size())));
  Probe p;
  // The block from the entity alone (multiply-shift range reduction), so
  // every state of one entity shares a cache line: an event's detectors
  // check (and a checkpoint adds) an entity's states one after another,
  // and all but the first find the line in cache instead of each missing
  // to memory. The bit positions come from (id, entity): 9 bits each of
  // 512.
  p.block = BlockOf(entity_hash);
  std::fill(std::begin(p.mask), std::end(p.mask), 0);
  uint64_t bits = Mix(entity_hash ^ Mix(id + 0x9e3779b97f4a7c15ULL) ^
                      0x5851f42d4c957f2dULL);
  for (int i = 0; i < kBits; ++i) {
    const unsigned pos = static_cast<unsigned>(bits & 511);
    bits >>= 9;
    p.mask[pos >> 6] |= uint64_t{1} << (pos & 63);
  }
  return p;
}

uint64_t* StoredKeyFilter::BlockOf(uint64_t entity_hash) const {
  const uint64_t block = static_cast<uint64_t>(
      (static_cast<unsigned __int128>(entity_hash) * blocks_) >> 64);
  return words_ + block * kWordsPerBlock;
}

void StoredKeyFilter::PrefetchBlockOfHash(size_t hash) const {
  __builtin_prefetch(BlockOf(Mix(hash)));
}

size_t StoredKeyFilter::BlockIndex(uint64_t id,
                                   std::string_view entity) const {
  return static_cast<size_t>(ProbeOf(id, entity).block - words_) /
         kWordsPerBlock;
}

void StoredKeyFilter::Add(uint64_t id, std::string_view entity) {
  Probe p = ProbeOf(id, entity);
  for (size_t w = 0; w < kWordsPerBlock; ++w) {
    if (p.mask[w] == 0) continue;
    // Most adds are of keys added before (every checkpoint re-adds the
    // entities it writes): a plain load avoids a locked instruction then.
    if ((__atomic_load_n(&p.block[w], __ATOMIC_RELAXED) & p.mask[w]) ==
        p.mask[w]) {
      continue;
    }
    __atomic_fetch_or(&p.block[w], p.mask[w], __ATOMIC_RELAXED);
  }
}

bool StoredKeyFilter::MaybeStored(uint64_t id, std::string_view entity) const {
  if (!ready()) return true;
  Probe p = ProbeOf(id, entity);
  for (size_t w = 0; w < kWordsPerBlock; ++w) {
    if (p.mask[w] == 0) continue;
    if ((__atomic_load_n(&p.block[w], __ATOMIC_RELAXED) & p.mask[w]) !=
        p.mask[w]) {
      return false;
    }
  }
  return true;
}

double StoredKeyFilter::ApproxFill(size_t sample_blocks) const {
  const size_t n = std::min(sample_blocks, blocks_);
  if (n == 0) return 0;
  const size_t stride = blocks_ / n;
  uint64_t set = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t* block = words_ + i * stride * kWordsPerBlock;
    for (size_t w = 0; w < kWordsPerBlock; ++w) {
      set += static_cast<uint64_t>(
          __builtin_popcountll(__atomic_load_n(&block[w], __ATOMIC_RELAXED)));
    }
  }
  return static_cast<double>(set) / static_cast<double>(n * kBlockBytes * 8);
}

}  // namespace riskflow::state
