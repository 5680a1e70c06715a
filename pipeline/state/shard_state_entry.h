// Internals shared by shard_state.cc (lookups, window operations),
// shard_state_load.cc (loads from the store) and shard_state_flush.cc
// (flush, trim, eviction): the per-entity record,
// the per-state entry inside it, and the saturating arithmetic they use.
// Not part of the library's interface.
#ifndef RISKFLOW_PIPELINE_STATE_SHARD_STATE_ENTRY_H_
#define RISKFLOW_PIPELINE_STATE_SHARD_STATE_ENTRY_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/state/shard_state.h"

namespace riskflow::state {
namespace shard_state_internal {

inline constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

inline int64_t SatSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? kMin : kMax;
  return r;
}

}  // namespace shard_state_internal

// What every entity's entry of one state shares: interned once per shard
// instead of copied into each entry. window and retention follow the
// pipeline version now deciding (a hot reload may change them; kind and
// bucket size of a cached state may not change).
struct ShardState::SpecInfo {
  uint64_t id = 0;
  StateKind kind = StateKind::kCounter;
  int64_t bucket_ms = 0;
  int64_t window_ms = 0;
  int64_t retention_ms = 0;  // StateSpec::retention_ms()
};

// One state of one entity.
struct ShardState::Entry {
  struct Bucket {
    int64_t bucket;
    int64_t value;    // DB value plus every local delta
    int64_t pending;  // delta not yet handed to FlushTo
  };
  struct Member {
    int64_t bucket;
    std::string member;
    bool dirty;
    bool operator<(const Member& o) const {
      return bucket != o.bucket ? bucket < o.bucket : member < o.member;
    }
  };
  using Buckets = std::vector<Bucket>;  // counter / sum, sorted by bucket
  using Members = std::vector<Member>;  // distinct, sorted by (bucket, member)

  uint32_t spec = 0;  // index into ShardState::specs_
  bool dirty = false;
  bool has_last = false;  // last-seen
  bool last_dirty = false;
  // Already added to the stored-key filter (ShardState::FlushEntry): its
  // next serialisations need not hash it again.
  bool in_filter = false;
  // The kinds share these 8 bytes (an entry of 64 bytes fills its jemalloc
  // size class exactly; 72 would round up to 80).
  union {
    // Windowed: buckets >= loaded_from are all here (absent = empty);
    // kMax: none known.
    int64_t loaded_from = shard_state_internal::kMax;
    int64_t last_t;  // last-seen, meaningful when has_last
  };
  int64_t newest_t = shard_state_internal::kMin;
  // Only the kind's own payload: Buckets, Members or the last-seen value.
  std::variant<Buckets, Members, std::string> data;

  // 64 bytes fills a jemalloc size class exactly (checked in
  // shard_state.cc, where the type is accessible).
  Buckets& buckets() { return std::get<Buckets>(data); }
  const Buckets& buckets() const { return std::get<Buckets>(data); }
  Members& members() { return std::get<Members>(data); }
  const Members& members() const { return std::get<Members>(data); }
  std::string& last_value() { return std::get<std::string>(data); }
  const std::string& last_value() const { return std::get<std::string>(data); }
};

// Everything cached about one entity: all of its states in one record, the
// unit of recency, eviction and dirty tracking. The entity bytes are stored
// once here (and are the map key's storage), not once per state.
struct ShardState::Record {
  std::string entity;
  uint64_t last_used = 0;
  // Approximate heap bytes (RecordBytes) as of the last Trim or creation.
  uint32_t bytes = 0;
  bool dirty = false;    // some entry changed since the last FlushTo
  bool touched = false;  // changed or loaded since the last Trim
  // Which checkpoint a dirty record's changes are for: a dirty record of
  // the pending sliced checkpoint's epoch is pending (not yet serialised;
  // its dirty entries hold exactly the changes as of that checkpoint, since
  // any change would have serialised them first: BeforeChange). An epoch
  // instead of a flag set on every record, so that starting a checkpoint
  // touches no record. Only two epochs are ever live, so 8 bits are plenty.
  uint8_t epoch = 0;
  // Hashes of the derived entities this entity's last event found cached
  // (ShardState::EndEvent), prefetched along with it; 0: none. A hint
  // only: never serialised, and wrong or stale ones merely waste a
  // prefetch. Three fill the 96-byte size class.
  size_t companions[ShardState::kCompanions] = {};
  // Few per entity (one per state it has), so a linear search by spec id
  // beats any index; kept exactly sized. Each entry is its own allocation
  // (jemalloc has no per-object header, so this costs the 8-byte pointer):
  // an entry never moves while cached, so the view LastGet returns stays
  // valid while the plugin adds the entity's other states in the same
  // on_event call (rf_host_api::last_get promises that), and an Entry*
  // survives lookups.
  std::vector<std::unique_ptr<Entry>> entries;
};

// The record set hashes and compares records by entity, and finds them by
// an entity view without building a key.
inline size_t ShardState::RecordHash::operator()(absl::string_view e) const {
  return absl::Hash<absl::string_view>()(e);
}
inline size_t ShardState::RecordHash::operator()(
    const std::unique_ptr<Record>& r) const {
  return (*this)(absl::string_view(r->entity));
}
inline absl::string_view ShardState::RecordEq::View(absl::string_view e) {
  return e;
}
inline absl::string_view ShardState::RecordEq::View(
    const std::unique_ptr<Record>& r) {
  return r->entity;
}

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_SHARD_STATE_ENTRY_H_
