#ifndef RISKFLOW_PIPELINE_ENGINE_DECISION_WAITERS_H_
#define RISKFLOW_PIPELINE_ENGINE_DECISION_WAITERS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::engine {

// Lets Evaluate wait for the decision of one sequence. Shards publish after
// their commit; a waiter that registers after that finds the decision in
// the store instead (lookup), so no decision is missed in between. Two
// kinds of waiter: Wait blocks the calling thread; WaitAsync takes a
// callback, so a pending Evaluate holds no thread (the callback Evaluate,
// pipeline/server/evaluate_reactor.h).
class DecisionWaiters {
 public:
  // DEADLINE_EXCEEDED for a durable event whose decision a waiter gave up
  // on (sync waits here, callback waits at their caller's deadline).
  static absl::Status NotDecidedInTime(uint64_t sequence);

  using Lookup =
      std::function<absl::StatusOr<std::optional<riskflow::v1::Decision>>()>;
  using Done = std::function<void(absl::StatusOr<riskflow::v1::Decision>)>;

  // The decision, or DEADLINE_EXCEEDED (the event stays durable and is
  // still decided; a later Evaluate of the same id returns it).
  absl::StatusOr<riskflow::v1::Decision> Wait(uint64_t sequence,
                                              absl::Time deadline,
                                              const Lookup& lookup);

  // Calls `done` exactly once with the decision (or the look-up's error),
  // unless Cancel wins first: on this thread when the look-up answers,
  // otherwise on the publishing shard's thread, outside any lock. Returns
  // the token Cancel needs, or 0 when `done` has already run.
  uint64_t WaitAsync(uint64_t sequence, const Lookup& lookup, Done done);
  // Removes a WaitAsync waiter. True when it was still registered: its
  // `done` will never run. False when `done` has run or is running.
  bool Cancel(uint64_t sequence, uint64_t token);

  // Whether a waiter waits for `sequence` now: a shard keeps such a
  // decision whole for Publish. One atomic load when nobody waits.
  bool Waiting(uint64_t sequence);

  // Called by a shard after its batch is committed. Costs one atomic load
  // when nobody waits.
  void Publish(const std::vector<riskflow::v1::Decision>& committed);
  // The same, when the shard kept only some decisions whole (`whole`):
  // `decided` lists every sequence the batch committed, ascending. A
  // waiter of one not kept whole (it registered after the shard asked
  // Waiting) gets the decision from its look-up, which finds it committed.
  void Publish(const std::vector<riskflow::v1::Decision>& whole,
               const std::vector<uint64_t>& decided);

 private:
  struct Waiter {
    std::optional<riskflow::v1::Decision> decision;
    const Lookup* lookup = nullptr;  // lives as long as the waiter
  };
  struct AsyncWaiter {
    uint64_t token = 0;
    Done done;
    Lookup lookup;
  };
  // A look-up of a waiter of `sequence` still without its decision, or
  // an empty one.
  Lookup PendingLookupLocked(uint64_t sequence)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the async waiter `token` of `sequence`; its callback, or an
  // empty one when it was not registered any more.
  Done TakeLocked(uint64_t sequence, uint64_t token)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::vector<Waiter*>> waiting_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::vector<AsyncWaiter>> async_waiting_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::atomic<int> count_{0};
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_DECISION_WAITERS_H_
