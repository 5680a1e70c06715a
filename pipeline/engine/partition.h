#ifndef RISKFLOW_PIPELINE_ENGINE_PARTITION_H_
#define RISKFLOW_PIPELINE_ENGINE_PARTITION_H_

#include <cstdint>
#include <string_view>

#include "plugins/sdk/deterministic_random.h"

namespace riskflow::engine {

// Shard of an account. FNV-1a, not std::hash: the mapping must be the same
// in every build and on every machine, because recovery relies on it.
inline uint32_t ShardOf(std::string_view account_id, uint32_t shard_count) {
  return static_cast<uint32_t>(sdk::Fnv1a64(account_id) % shard_count);
}

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_PARTITION_H_
