#ifndef RISKFLOW_PIPELINE_ENGINE_STORED_DECISIONS_H_
#define RISKFLOW_PIPELINE_ENGINE_STORED_DECISIONS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "pipeline/storage/store.h"
#include "rocksdb/iterator.h"
#include "rocksdb/slice.h"

namespace riskflow::engine {

// Which events of a recovery's log tail already have a stored decision
// (decided and published before the crash: the shard re-runs them for
// their state and publishes nothing, see ShardItem::recovered), answered
// from one forward scan of the decision store instead of a point look-up
// per event on the shard threads (docs/recovery.md, "Catch-up speed").
//
// The iterator sees the store as it was when the cursor was made. That is
// exact for every sequence the cursor has not passed yet: a shard writes a
// decision only for an event dispatched to it, and the catch-up asks the
// cursor before it dispatches the event.
class StoredDecisionCursor {
 public:
  // Covers sequences in (after, through].
  StoredDecisionCursor(storage::Store* store, uint64_t after,
                       uint64_t through);

  // Whether `sequence` has a stored decision; nullopt when the cursor
  // cannot tell (outside its range, or a failed read: the shard then looks
  // it up itself). Calls must come in ascending sequence order.
  std::optional<bool> Stored(uint64_t sequence);

  // Decisions seen so far (logging).
  uint64_t found() const { return found_; }

 private:
  storage::Store* store_;
  const uint64_t after_;
  const uint64_t through_;
  std::string upper_key_;  // must outlive the iterator's upper bound
  rocksdb::Slice upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
  uint64_t last_ = 0;
  bool failed_ = false;
  uint64_t found_ = 0;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_STORED_DECISIONS_H_
