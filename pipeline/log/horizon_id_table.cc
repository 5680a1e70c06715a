#include "pipeline/log/horizon_id_table.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace riskflow::log {

HorizonIdTable::HorizonIdTable(uint64_t max_entries) {
  max_entries = std::clamp<uint64_t>(max_entries, 1, kMaxEntries);
  uint64_t capacity = 8;
  while (capacity * 3 < max_entries * 4) capacity <<= 1;
  mask_ = capacity - 1;
  shift_ = 32;
  for (uint64_t c = capacity; c > 1; c >>= 1) --shift_;
  // calloc: large blocks come straight from mmap as zero pages, so nothing
  // is written up front and untouched pages cost no memory.
  slots_.reset(static_cast<uint64_t*>(std::calloc(capacity, sizeof(uint64_t))));
  if (slots_ == nullptr) throw std::bad_alloc();  // as operator new would
}

bool HorizonIdTable::Erase(const IdFingerprint& fp, uint64_t seq) {
  const uint32_t hash = Hash(fp);
  const uint64_t want = Slot(hash, seq);
  uint64_t hole = Home(hash);
  for (;; hole = (hole + 1) & mask_) {
    const uint64_t slot = slots_[hole];
    if (slot == 0) return false;
    if (slot == want) break;
  }
  // Backward shift: move each later entry of the cluster into the hole
  // unless its home lies cyclically in (hole, j] (it would then become
  // unreachable from its home).
  for (uint64_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
    const uint64_t slot = slots_[j];
    if (slot == 0) break;
    const uint64_t home = Home(static_cast<uint32_t>(slot >> 32));
    const bool stays = hole <= j ? (hole < home && home <= j)
                                 : (hole < home || home <= j);
    if (stays) continue;
    slots_[hole] = slot;
    hole = j;
  }
  slots_[hole] = 0;
  --size_;
  return true;
}

void HorizonIdTable::Clear() {
  std::memset(slots_.get(), 0, memory_bytes());
  size_ = 0;
}

}  // namespace riskflow::log
