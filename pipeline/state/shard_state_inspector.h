// A read-only, representation-independent view of what a ShardState holds,
// for the memory benchmark (state_memory_bench) and for tests that check a
// compact layout against the logical values. Not for the event path.
#ifndef RISKFLOW_PIPELINE_STATE_SHARD_STATE_INSPECTOR_H_
#define RISKFLOW_PIPELINE_STATE_SHARD_STATE_INSPECTOR_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_spec.h"

namespace riskflow::state {

// The logical content of one cached (state, entity).
struct CachedValues {
  uint64_t state_id = 0;
  std::string_view entity;
  StateKind kind = StateKind::kCounter;
  std::vector<std::pair<int64_t, int64_t>> buckets;          // bucket, value
  std::vector<std::pair<int64_t, std::string_view>> members;  // bucket, member
  bool has_last = false;
  int64_t last_t = 0;
  std::string_view last_value;
};

class ShardStateInspector {
 public:
  // Calls `fn` once per cached (state, entity), in no particular order. The
  // views are valid during the call only.
  static void ForEach(const ShardState& state,
                      const std::function<void(const CachedValues&)>& fn);
  // The cached entity's companions (ShardState::EndEvent), as hashes,
  // newest first; empty if the entity is not cached.
  static std::vector<size_t> Companions(const ShardState& state,
                                        std::string_view entity);
  // The hash the record set files `entity` under (what Companions holds).
  static size_t EntityHash(std::string_view entity);
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_SHARD_STATE_INSPECTOR_H_
