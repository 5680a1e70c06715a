#ifndef RISKFLOW_PIPELINE_STATE_STATE_STORE_H_
#define RISKFLOW_PIPELINE_STATE_STATE_STORE_H_

// What windowed state adds to a storage::Store: the state column family's
// merge operator (int64 add), per-(state, entity) prefix extractor and bloom
// filters, and the expiry compaction filter with its registry and clock.
// pipeline/storage knows nothing of these; a store that holds windowed state
// (the engine's, a replay's) is opened with OpenStateStore, a store that
// never does (the event log's) with storage::Store::Open.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/storage/store.h"

namespace riskflow::state {

// `opts` with the state CF's tuner set (a fresh expiry registry per call).
storage::StoreOptions StateStoreOptions(storage::StoreOptions opts);

// storage::Store::Open(dir, StateStoreOptions(opts)).
absl::StatusOr<std::unique_ptr<storage::Store>> OpenStateStore(
    const std::string& dir, const storage::StoreOptions& opts);

// Event time the state CF's compaction filter expires against: entries
// older than clock - retention are dropped. Plain atomic store, so the
// caller owns monotonicity. It must not run ahead of the slowest shard's
// watermark (minus allowed lateness), or a shard could lose data it still
// reads. No-op on a store not opened with StateStoreOptions (nothing
// expires there).
void SetExpiryClock(storage::Store* store, int64_t event_time_ms);

// Lets the filter expire this state's entries. Until registered, a state's
// entries are kept forever. Idempotent; cheap when nothing changes. No-op
// on a store not opened with StateStoreOptions.
void RegisterState(storage::Store* store, const StateSpec& spec);

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STATE_STORE_H_
