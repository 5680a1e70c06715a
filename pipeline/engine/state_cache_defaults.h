#ifndef RISKFLOW_PIPELINE_ENGINE_STATE_CACHE_DEFAULTS_H_
#define RISKFLOW_PIPELINE_ENGINE_STATE_CACHE_DEFAULTS_H_

#include <cstddef>

namespace riskflow::engine {

// Default byte budget of one shard's state cache (ShardState::
// SetMemoryBudget). 512 MiB holds the hot state of ~1M accounts with the
// default pipeline (~460 B each) or ~140K with all detectors (~3.8 KB;
// docs/state-memory.md). Shared by EngineOptions, DaemonOptions and
// riskflowd's --state_memory_mb so the three cannot drift apart.
inline constexpr size_t kDefaultStateMemoryBytesPerShard = size_t{512} << 20;

// Default size of the engine's stored-key filter (state::StoredKeyFilter,
// one per store, shared by the shards). 32 MiB is 268M bits: ~89 bits per
// (state, entity) at 1M accounts with the default pipeline (~3 states
// each), ~9 at 10M (a few percent of misses still read), ~61 at 200K
// accounts with all detectors (~22 states each). Past that it fills up and
// more and more misses read, as without it; it never answers wrongly.
// All of it is resident once the filter's scan ends (StoredKeyFilter::
// Populate takes its page faults off the shards), per engine.
inline constexpr size_t kDefaultStoredKeyFilterBytes = size_t{32} << 20;

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_STATE_CACHE_DEFAULTS_H_
