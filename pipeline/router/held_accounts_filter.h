// Which accounts may be held: a superset of the accounts with a hold, shared
// by every shard of one engine, so that the hold check of an outgoing event
// (AccountHolds::Decide) reads the account's hold state only when the
// account ever had one. Without it every payment, payout and transfer of an
// account the shard has not cached paid a RocksDB read for a hold that
// almost never exists (~5% of the default pipeline's CPU in perf).
//
// Exactness is kept by the superset rule: "not in the filter" must imply
// "no hold in any shard's state", while "in the filter" only means "read
// the state". So the filter
//  - starts with every account that has a hold record in the store (also
//    released ones: a release keeps an empty value), read once when the
//    engine starts, before any event is decided;
//  - gains an account before its hold is written to a shard's state;
//  - never loses one (a release stays in the filter until the next start).
// It is engine-wide, not per shard, because an account can move between
// shards when a recovery changes the shard count (docs/recovery.md): the
// shard that re-ran the hold and the shard that later decides the account
// must see the same filter.
#ifndef RISKFLOW_PIPELINE_ROUTER_HELD_ACCOUNTS_FILTER_H_
#define RISKFLOW_PIPELINE_ROUTER_HELD_ACCOUNTS_FILTER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/storage/store.h"

namespace riskflow::router {

class HeldAccountsFilter {
 public:
  // Adds every entity with a record of state `hold_state_id` in the store's
  // state column family.
  absl::Status Seed(storage::Store* store, uint64_t hold_state_id);

  // False only if the account has never had a hold (see above). Lock-free
  // while no account was ever held.
  bool MaybeHeld(std::string_view account) const;
  void Add(std::string_view account);

  size_t size() const { return size_.load(std::memory_order_acquire); }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> accounts_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> size_{0};
};

}  // namespace riskflow::router

#endif  // RISKFLOW_PIPELINE_ROUTER_HELD_ACCOUNTS_FILTER_H_
