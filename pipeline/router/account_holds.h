// Account holds (issue 10, item 1): a FREEZE decision places a hold on its
// account, and while the account is held its outgoing money movement
// (PAYMENT, PAYOUT, TRANSFER) is routed FREEZE with reason ACCOUNT_HELD,
// without running the detectors (they would only add noise to a case that
// is already open). A release is an ACCOUNT_RELEASE event in the log; an
// analyst can also place a hold with an ACCOUNT_HOLD event. Both arrive
// through the Admin API, never through Publish (docs/account-holds.md).
//
// Replay-deterministic: the hold is a function of the log. A FREEZE is a
// deterministic decision about a logged event, and hold / release events are
// logged events themselves; the hold lives in the home shard's state
// (LAST_SEEN per account, no expiry), checkpointed with everything else, so
// a replay, a restart and a recovery reproduce every held decision.
#ifndef RISKFLOW_PIPELINE_ROUTER_ACCOUNT_HOLDS_H_
#define RISKFLOW_PIPELINE_ROUTER_ACCOUNT_HOLDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/router/held_accounts_filter.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "rocksdb/write_batch.h"

namespace riskflow::router {

// Annotations about holds name this as their detector.
inline constexpr char kHoldDetector[] = "account_hold";
inline constexpr char kHeldReason[] = "ACCOUNT_HELD";
inline constexpr char kHoldPlacedReason[] = "HOLD_PLACED";
inline constexpr char kHoldReleasedReason[] = "HOLD_RELEASED";
// Attributes of ACCOUNT_HOLD / ACCOUNT_RELEASE events.
inline constexpr char kHoldActorAttribute[] = "actor";
inline constexpr char kHoldReasonAttribute[] = "reason";
inline constexpr char kHoldCaseAttribute[] = "case_id";

struct Hold {
  // The decision that placed it ("<channel>/<event_id>"): a FREEZE, or the
  // ACCOUNT_HOLD event's own decision.
  std::string decision_id;
  uint64_t sequence = 0;
  int64_t since_ms = 0;  // event time of the placing event
  std::string reason;
};

// Whether an event type moves money out of the account (what a hold stops).
bool IsOutgoing(riskflow::v1::EventType type);
// ACCOUNT_HOLD / ACCOUNT_RELEASE: decided by the holds alone, never by a
// detector (nor by a keyed stage on another shard).
inline bool IsHoldEvent(riskflow::v1::EventType type) {
  return type == riskflow::v1::ACCOUNT_HOLD ||
         type == riskflow::v1::ACCOUNT_RELEASE;
}

// One shard's holds. Single-threaded, like the shard.
class AccountHolds {
 public:
  AccountHolds();

  void RegisterStates(storage::Store* store) const;

  // The engine-wide filter of accounts that may be held
  // (held_accounts_filter.h): Decide skips the state read for an outgoing
  // event of an account it rules out, and every hold placed here is added
  // to it first. Null (the default): every outgoing event reads the state.
  void UseFilter(HeldAccountsFilter* filter) { filter_ = filter; }
  // The state id holds are kept under (HeldAccountsFilter::Seed).
  uint64_t state_id() const { return spec_.id; }

  // Before the detectors. Decides hold / release events and the outgoing
  // events of a held account completely (annotation and route) and returns
  // true: the caller then runs no detectors and applies no lists (an allow
  // list entry silences detectors, not an analyst's hold). Returns false
  // for every other event.
  absl::StatusOr<bool> Decide(state::ShardState* state,
                              const log::LoggedEvent& e,
                              riskflow::v1::Decision* d);

  // After routing, lists and the FREEZE cap: a decision that still routes
  // FREEZE places a hold on its account (unless one is in place) and says
  // so in a HOLD_PLACED annotation.
  absl::Status AfterRouting(state::ShardState* state,
                            const log::LoggedEvent& e,
                            riskflow::v1::Decision* d);

  // Hold changes since the last call (account, hold or nullopt for a
  // release), in order, for the look-up index: the shard writes them with
  // the micro-batch's decisions (AddToHoldIndex).
  std::vector<std::pair<std::string, std::optional<Hold>>> TakeIndexChanges() {
    return std::exchange(index_changes_, {});
  }

  // The account's hold, if any (look-ups, tests).
  absl::StatusOr<std::optional<Hold>> Get(state::ShardState* state,
                                          const std::string& account_id,
                                          int64_t t) const;

 private:
  absl::Status Put(state::ShardState* state, const std::string& account_id,
                   int64_t t, const Hold* hold);

  state::StateSpec spec_;
  HeldAccountsFilter* filter_ = nullptr;
  std::vector<std::pair<std::string, std::optional<Hold>>> index_changes_;
};

// The look-up index of holds (Cf::kMeta, "hold/<account>"): what
// Admin.GetAccountStatus reads from any thread. The shards' state decides;
// this copy is written with each micro-batch's decisions, so it is as
// current as the decisions (a recovery re-runs the events after the last
// checkpoint and writes the same values again, in the same order).
void AddToHoldIndex(
    storage::Store* store,
    const std::vector<std::pair<std::string, std::optional<Hold>>>& changes,
    rocksdb::WriteBatch* batch);
absl::StatusOr<std::optional<Hold>> ReadHoldIndex(storage::Store* store,
                                                  const std::string& account_id);

}  // namespace riskflow::router

#endif  // RISKFLOW_PIPELINE_ROUTER_ACCOUNT_HOLDS_H_
