#ifndef RISKFLOW_PIPELINE_ENGINE_PARTITION_H_
#define RISKFLOW_PIPELINE_ENGINE_PARTITION_H_

#include <cstdint>
#include <string_view>

#include "plugins/sdk/deterministic_random.h"

namespace riskflow::engine {

// Shard of an account — or of a counterparty, device or IP for a keyed
// stage (docs/keyed-stages.md). FNV-1a, not std::hash: the mapping must be
// the same in every build and on every machine, because recovery relies on
// it.
inline uint32_t ShardOf(std::string_view key, uint32_t shard_count) {
  return static_cast<uint32_t>(sdk::Fnv1a64(key) % shard_count);
}

// Key groups: the unit a later scale-out moves between processes. A key's
// group is fixed (its hash mod 256); for every shard count that divides 256
// (1, 2, 4, ... 256) ShardOf is a function of the group, shard = group mod
// shard count, so a shard owns whole groups. (Other shard counts keep the
// plain hash mod n that existing stores' offsets were written with; see
// docs/keyed-stages.md.)
inline constexpr uint32_t kKeyGroups = 256;
inline uint32_t KeyGroupOf(std::string_view key) {
  return static_cast<uint32_t>(sdk::Fnv1a64(key) % kKeyGroups);
}

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_PARTITION_H_
