// Internals shared by shard_state.cc (lookups, loads, window operations)
// and shard_state_flush.cc (flush, trim, eviction): the cache entry and
// the saturating arithmetic both use. Not part of the library's interface.
#ifndef RISKFLOW_PIPELINE_STATE_SHARD_STATE_ENTRY_H_
#define RISKFLOW_PIPELINE_STATE_SHARD_STATE_ENTRY_H_

#include <cstdint>
#include <limits>
#include <string>
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

  std::string prefix;  // id | len | entity; also the map key's storage
  StateKind kind = StateKind::kCounter;
  int64_t bucket_ms = 0;
  int64_t window_ms = 0;
  int64_t retention_ms = 0;  // StateSpec::retention_ms()
  // Buckets >= loaded_from are all here (absent = empty). kMax: none known.
  int64_t loaded_from = shard_state_internal::kMax;
  int64_t newest_t = shard_state_internal::kMin;
  uint64_t last_used = 0;
  bool dirty = false;
  bool touched = false;

  std::vector<Bucket> buckets;  // counter / sum, sorted by bucket
  std::vector<Member> members;  // distinct, sorted by (bucket, member)

  bool has_last = false;  // last-seen
  bool last_dirty = false;
  int64_t last_t = 0;
  std::string last_value;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_SHARD_STATE_ENTRY_H_
