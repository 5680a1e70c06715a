// What the engine store says has been decided, across restarts that change
// the shard count — including a restart that is itself killed while it
// recovers.
//
// Each shard commits "offset(N, k) = S" with its micro-batch: every event of
// shard k (of N) with sequence <= S is decided. Such a statement, once
// committed, stays true for ever (decisions are never undone), but it says
// nothing about events of other shards, and after a change of shard count the
// old shards' events are spread over new ones. So the store keeps:
//
//   engine/floor    every event with sequence <= floor is decided;
//   engine/layouts  the shard counts whose offsets currently count
//                   ("3,1": the last finished recovery ran 3 shards, and a
//                   start with 1 shard began re-deciding and was killed);
//   engine/offset/N/k for each N in layouts.
//
// An event is decided iff seq <= floor or seq <= offset(N, shard_N(event))
// for some N in layouts. A start with N shards adds N to layouts (with its
// offsets reset to the floor: stale offsets of an N used long ago were true,
// but its shards now restart from the floor and would overwrite them with
// smaller values) before any of its shards commits, re-decides exactly the
// events that are not decided, and when everything is decided collapses the
// list to "N" with floor = offsets = the log's end. A kill at any point
// leaves a list whose union is exactly the decided set, so nothing is
// decided twice (no duplicate sink entry, no state delta applied twice) and
// nothing is skipped.
#ifndef RISKFLOW_PIPELINE_ENGINE_SHARD_LAYOUTS_H_
#define RISKFLOW_PIPELINE_ENGINE_SHARD_LAYOUTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/storage/store.h"

namespace riskflow::engine {

class ShardLayouts {
 public:
  // Reads floor, layouts and their offsets. A store that predates
  // engine/layouts (only engine/shards and its offsets) is read as that one
  // layout over floor 0; a store with neither starts at
  // `fresh_start_after` (see EngineOptions::start_after_sequence).
  static absl::StatusOr<ShardLayouts> Load(storage::Store* store,
                                           uint64_t fresh_start_after);

  // Makes `shard_count` one of the layouts, durably (synced), before any of
  // its shards commits. No-op when it is one already.
  absl::Status Register(storage::Store* store, uint32_t shard_count);

  // Whether the event at `sequence` of `account_id` has been decided.
  bool Decided(uint64_t sequence, std::string_view account_id) const;

  // Every event at or below this is decided; re-deciding scans the log
  // after it.
  uint64_t ScanFrom() const;
  // Where each shard of a registered layout resumes.
  const std::vector<uint64_t>& Offsets(uint32_t shard_count) const;

  // Every event up to `last` is decided and checkpointed by `shard_count`
  // shards, whose offsets are therefore >= last: one layout again, floor =
  // last (synced); other layouts' offsets are deleted. The shards' own
  // offsets are left as they are (they may be checkpointing meanwhile).
  absl::Status Collapse(storage::Store* store, uint32_t shard_count,
                        uint64_t last);

  uint64_t floor() const { return floor_; }
  // The layouts in registration order, e.g. "3,1".
  std::string Describe() const;

  static std::string OffsetKey(uint32_t shard_count, uint32_t index);

 private:
  uint64_t floor_ = 0;
  std::vector<uint32_t> order_;
  std::map<uint32_t, std::vector<uint64_t>> offsets_;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_SHARD_LAYOUTS_H_
