// ShardState::PrefetchEntity: walks an entity's cached chain into the CPU
// cache one link per call, without changing anything (shard_state.h,
// "Prefetching ahead"; docs/state-memory.md).
#include <algorithm>
#include <iterator>
#include <variant>

#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_entry.h"

namespace riskflow::state {
namespace {

// Every cache line of [p, p + bytes).
void PrefetchRange(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off);
  if (bytes > 0) __builtin_prefetch(c + bytes - 1);
}

}  // namespace

size_t ShardState::EntityHash(std::string_view entity) {
  return RecordHash()(absl::string_view(entity.data(), entity.size()));
}

void ShardState::PrefetchEntity(std::string_view entity, int stage) {
  PrefetchEntity(entity, EntityHash(entity), stage);
}

bool ShardState::PrefetchEntity(std::string_view entity, size_t hash,
                                int stage) {
  return Prefetch({entity, hash, stage, /*by_hash=*/false, this});
}

void ShardState::PrefetchHashed(size_t hash, int stage) {
  Prefetch({{}, hash, stage, /*by_hash=*/true, this});
}

bool ShardState::Prefetch(const PrefetchProbe& probe) {
  if (probe.stage == 0) {
    // The control bytes and slots of the entity's probe group.
    records_.prefetch(probe);
    return true;
  }
  // PrefetchStep answers "no match" for every candidate, so this finds
  // nothing and inserts nothing.
  records_.find(probe, probe.hash);
  return probe.matched;
}

void ShardState::EndEvent(std::string_view partition) {
  const int found = found_count_;
  found_count_ = 0;
  if (found == 0) return;
  const absl::string_view key(partition.data(), partition.size());
  const size_t own = RecordHash()(key);
  auto it = records_.find(key, own);
  if (it == records_.end()) return;
  Record& r = **it;
  // Newest first, then the previous companions, without repeats.
  size_t merged[kCompanions] = {};
  int n = 0;
  auto add = [&](size_t h) {
    if (h == 0 || h == own || n == kCompanions) return;
    for (int i = 0; i < n; ++i) {
      if (merged[i] == h) return;
    }
    merged[n++] = h;
  };
  for (int i = 0; i < found; ++i) add(found_hashes_[i]);
  for (size_t h : r.companions) add(h);
  std::copy(std::begin(merged), std::end(merged), std::begin(r.companions));
}

bool ShardState::PrefetchStep(const Record& r, const PrefetchProbe& p) {
  if (p.stage == 1) {
    // Only the record's address (the slot, brought in by stage 0); any
    // slot whose hash tag matches gets it, so stage 2's compare of a
    // rare false candidate does not wait either.
    PrefetchRange(&r, sizeof(Record));
    p.matched = true;
    return false;
  }
  if (!p.by_hash && r.entity != p.entity) return false;
  p.matched = true;
  switch (p.stage) {
    case 2:
      PrefetchRange(r.entries.data(),
                    r.entries.size() * sizeof(r.entries[0]));
      break;
    case 3:
      for (const std::unique_ptr<Entry>& e : r.entries) {
        __builtin_prefetch(e.get());
      }
      break;
    case 4:
      // What the first look-ups of an entry read besides the entry itself:
      // the newest buckets (WindowAdd appends or adds to the back,
      // WindowTotal walks back from it), the start of a distinct state's
      // members, a last-seen value kept on the heap.
      for (const std::unique_ptr<Entry>& e : r.entries) {
        if (const auto* v = std::get_if<Entry::Buckets>(&e->data)) {
          if (v->empty()) continue;
          // And the line before the newest: a short window's buckets.
          const char* back = reinterpret_cast<const char*>(&v->back());
          const char* front = reinterpret_cast<const char*>(v->data());
          __builtin_prefetch(back);
          if (back - front >= 64) __builtin_prefetch(back - 64);
        } else if (const auto* m = std::get_if<Entry::Members>(&e->data)) {
          if (!m->empty()) __builtin_prefetch(m->data());
        } else if (const auto* l = std::get_if<std::string>(&e->data)) {
          __builtin_prefetch(l->data());
        }
      }
      break;
    default:
      break;
  }
  // The companions, two stages behind (this record is in the cache from
  // stage 2 on: it holds their hashes). Not a companion's companions.
  if (!p.by_hash && p.stage >= 2 && p.stage - 2 <= 4) {
    for (size_t h : r.companions) {
      if (h != 0) p.state->PrefetchHashed(h, p.stage - 2);
    }
  }
  return false;
}

}  // namespace riskflow::state
