// Where a home shard collects the annotations of an event's stages that ran
// on other shards (keyed stages, docs/keyed-stages.md). Stage shards post as
// soon as they ran an event's stages (never at their batch end: the home may
// be waiting for it while the stage shard's batch waits for the home), and
// posting never blocks. One mailbox per home shard.
#ifndef RISKFLOW_PIPELINE_ENGINE_STAGE_MAILBOX_H_
#define RISKFLOW_PIPELINE_ENGINE_STAGE_MAILBOX_H_

#include <atomic>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/plugin_host/shard_detectors.h"

namespace riskflow::engine {

class StageMailbox {
 public:
  // Adds one partial for `sequence`. Dropped when the home has already
  // decided everything through `sequence` (a re-run after a crash whose
  // home never re-runs the event, see docs/keyed-stages.md "Recovery").
  void Post(uint64_t sequence, plugin_host::StagePartial partial);

  // Whether `count` partials for `sequence` have arrived; if so moves them,
  // merged, into `out` and forgets the sequence.
  bool TryTake(uint64_t sequence, uint32_t count,
               plugin_host::StagePartial* out);
  // Waits until they have arrived (true) or the mailbox is closed (false:
  // a stage shard gave up, or the engine is tearing down).
  bool Take(uint64_t sequence, uint32_t count, plugin_host::StagePartial* out);

  // The home has decided every event through `sequence`: partials for them
  // are dropped on arrival.
  void SetDecidedThrough(uint64_t sequence);
  // Wakes every Take for good.
  void Close();

  // Sequences with partials waiting (tests, metrics).
  size_t pending() const;

 private:
  struct Entry {
    uint32_t arrived = 0;
    plugin_host::StagePartial merged;
  };
  bool TakeLocked(uint64_t sequence, uint32_t count,
                  plugin_host::StagePartial* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t decided_through_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_STAGE_MAILBOX_H_
