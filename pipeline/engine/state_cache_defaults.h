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

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_STATE_CACHE_DEFAULTS_H_
