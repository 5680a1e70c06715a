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
// the store instead (lookup), so no decision is missed in between.
class DecisionWaiters {
 public:
  using Lookup =
      std::function<absl::StatusOr<std::optional<riskflow::v1::Decision>>()>;

  // The decision, or DEADLINE_EXCEEDED (the event stays durable and is
  // still decided; a later Evaluate of the same id returns it).
  absl::StatusOr<riskflow::v1::Decision> Wait(uint64_t sequence,
                                              absl::Time deadline,
                                              const Lookup& lookup);

  // Called by a shard after its batch is committed. Costs one atomic load
  // when nobody waits.
  void Publish(const std::vector<riskflow::v1::Decision>& committed);

 private:
  struct Waiter {
    std::optional<riskflow::v1::Decision> decision;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::vector<Waiter*>> waiting_
      ABSL_GUARDED_BY(mu_);
  std::atomic<int> count_{0};
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_DECISION_WAITERS_H_
