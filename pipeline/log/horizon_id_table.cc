#include "pipeline/log/horizon_id_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <memory>
#include <new>

namespace riskflow::log {
namespace {

uint64_t CapacityFor(uint64_t entries) {
  uint64_t capacity = 8;
  while (capacity * 3 < entries * 4) capacity <<= 1;
  return capacity;
}

}  // namespace

HorizonIdTable::HorizonIdTable(uint64_t max_entries, uint64_t initial_entries) {
  max_entries = std::clamp<uint64_t>(max_entries, 1, kMaxEntries);
  max_capacity_ = CapacityFor(max_entries);
  initial_capacity_ =
      CapacityFor(std::clamp<uint64_t>(initial_entries, 1, max_entries));
  cur_ = Allocate(initial_capacity_);
  SetThresholds();
}

HorizonIdTable::~HorizonIdTable() {
  Release(&cur_);
  Release(&old_);
  ReleaseSpare();
}

void HorizonIdTable::SetThresholds() {
  grow_at_ = capacity() / 4 * 3;
  spare_at_ = capacity() / 16 * 9;
}

void HorizonIdTable::PrepareSpare(uint64_t slots) {
  if (wanted_spare_slots_.load() != slots) return;
  auto spare = std::make_unique<Table>();
  try {
    *spare = Allocate(slots);
  } catch (const std::bad_alloc&) {
    return;
  }
  // One write per 4 KiB page faults it in here (with THP, the first write
  // of each 2 MiB gets a huge page), not on the log writer. The pages are
  // zero already; volatile keeps the stores.
  volatile char* bytes = reinterpret_cast<volatile char*>(spare->slots);
  for (size_t off = 0; off < spare->bytes(); off += 4096) bytes[off] = 0;
  if (before_publish_for_test_) before_publish_for_test_();
  Delete(spare_.exchange(spare.release()));
  // The doubling (or Clear) withdraws the request before it looks for the
  // spare; if that happened before the exchange above, nobody takes this
  // one.
  if (wanted_spare_slots_.load() != slots) ReleaseSpare();
}

void HorizonIdTable::WithdrawSpare() {
  spare_requested_ = false;
  wanted_spare_slots_.store(0);  // before ReleaseSpare: see PrepareSpare
  ReleaseSpare();
}

void HorizonIdTable::ReleaseSpare() { Delete(spare_.exchange(nullptr)); }

void HorizonIdTable::Delete(Table* table) {
  if (table == nullptr) return;
  Release(table);
  delete table;
}

HorizonIdTable::Table HorizonIdTable::Allocate(uint64_t capacity) {
  Table t;
  t.mask = capacity - 1;
  t.shift = 32;
  for (uint64_t c = capacity; c > 1; c >>= 1) --t.shift;
  // mmap, not calloc: the pages are zero until first touched (no memset
  // of a reused block on the writer's path, whatever the allocator holds),
  // and munmap gives an emptied old table straight back.
  void* p = ::mmap(nullptr, t.bytes(), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();  // as operator new would
  // Ids land uniformly, so a fresh table is touched everywhere within its
  // first few thousand ids: as 4 KiB pages that was 4,096 page faults on
  // the log writer (~26 µs each on this VM) in a fresh daemon's first
  // second, in front of every ack. Transparent huge pages where the kernel
  // gives them on request (Debian's "madvise" default): 8 faults. Advice
  // only: without THP nothing changes.
  (void)::madvise(p, t.bytes(), MADV_HUGEPAGE);
  t.slots = static_cast<uint64_t*>(p);
  return t;
}

void HorizonIdTable::Release(Table* table) {
  if (table->slots != nullptr) ::munmap(table->slots, table->bytes());
  *table = Table{};
}

bool HorizonIdTable::Table::Erase(uint64_t want, uint32_t hash) {
  uint64_t hole = Home(hash);
  for (;; hole = (hole + 1) & mask) {
    const uint64_t slot = slots[hole];
    if (slot == 0) return false;
    if (slot == want) break;
  }
  // Backward shift: move each later entry of the cluster into the hole
  // unless its home lies cyclically in (hole, j] (it would then become
  // unreachable from its home).
  for (uint64_t j = (hole + 1) & mask;; j = (j + 1) & mask) {
    const uint64_t slot = slots[j];
    if (slot == 0) break;
    const uint64_t home = Home(static_cast<uint32_t>(slot >> 32));
    const bool stays = hole <= j ? (hole < home && home <= j)
                                 : (hole < home || home <= j);
    if (stays) continue;
    slots[hole] = slot;
    hole = j;
  }
  slots[hole] = 0;
  return true;
}

bool HorizonIdTable::Erase(const IdFingerprint& fp, uint64_t seq) {
  const uint32_t hash = Hash(fp);
  const uint64_t want = Slot(hash, seq);
  if (!cur_.Erase(want, hash) &&
      (old_.slots == nullptr || !old_.Erase(want, hash))) {
    return false;
  }
  --size_;
  return true;
}

void HorizonIdTable::StartGrowth() {
  const uint64_t slots = 2 * capacity();
  old_ = cur_;
  wanted_spare_slots_.store(0);  // before the exchange: see PrepareSpare
  Table* spare = spare_.exchange(nullptr);
  if (spare != nullptr && spare->mask + 1 == slots) {
    cur_ = *spare;
    delete spare;
    ++growths_with_spare_;
  } else {
    Delete(spare);
    cur_ = Allocate(slots);
  }
  spare_requested_ = false;
  SetThresholds();
  ++growths_;
  // Walk down from just below an empty slot (there is one: load <= 3/4):
  // then every slot moved is the last of its cluster, and emptying it is a
  // valid deletion that leaves every other entry reachable from its home.
  // Erases keep shifting entries back within the part not yet visited,
  // never into the emptied part (which has only empty slots, so no cluster
  // spans it), and nothing is inserted into old_ any more.
  uint64_t empty = 0;
  while (old_.slots[empty] != 0) ++empty;
  migrate_pos_ = (empty - 1) & old_.mask;
  migrate_left_ = old_.mask + 1;
}

void HorizonIdTable::MigrateStep() {
  const uint64_t n = std::min(migrate_left_, kMigrateSlotsPerInsert);
  for (uint64_t k = 0; k < n; ++k) {
    const uint64_t slot = old_.slots[migrate_pos_];
    if (slot != 0) {
      cur_.Place(slot);
      old_.slots[migrate_pos_] = 0;
    }
    migrate_pos_ = (migrate_pos_ - 1) & old_.mask;
  }
  migrate_left_ -= n;
  max_migrated_per_insert_ = std::max(max_migrated_per_insert_, n);
  if (migrate_left_ == 0) Release(&old_);
}

void HorizonIdTable::Reserve(uint64_t entries) {
  if (size_ != 0 || old_.slots != nullptr) return;
  const uint64_t capacity =
      std::min(max_capacity_, CapacityFor(std::max<uint64_t>(entries, 1)));
  if (capacity <= this->capacity()) return;
  WithdrawSpare();  // asked for the replaced table's doubling
  Release(&cur_);
  cur_ = Allocate(capacity);
  SetThresholds();
}

void HorizonIdTable::Clear() {
  Release(&old_);
  Release(&cur_);
  cur_ = Allocate(initial_capacity_);
  SetThresholds();
  size_ = 0;
  migrate_left_ = 0;
  WithdrawSpare();
}

}  // namespace riskflow::log
