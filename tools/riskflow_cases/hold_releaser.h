// Lifts riskflowd's hold on an account when its case is released: reads the
// case database's notifications outbox ("released", "appeal_released") with
// its own cursor and calls Admin.ReleaseHold for each, idempotently
// (request_id "case-<id>-<kind>"), committing the cursor only after
// riskflowd answered. A crash or an unreachable riskflowd delays a release,
// never loses or repeats one (docs/account-holds.md).
#ifndef RISKFLOW_TOOLS_RISKFLOW_CASES_HOLD_RELEASER_H_
#define RISKFLOW_TOOLS_RISKFLOW_CASES_HOLD_RELEASER_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/console/riskflowd_client.h"

namespace riskflow::cases {

inline constexpr char kHoldReleaserConsumer[] = "hold-releaser";

struct HoldReleaserOptions {
  absl::Duration idle_poll = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
};

// One pass: releases the holds of every release notification after the
// cursor. Returns how many were sent; stops at the first failure (the
// cursor then points just before it).
absl::StatusOr<int64_t> ReleaseHeldAccounts(CaseStore* store,
                                            console::RiskflowdClient* client);

// Runs passes until `stop`; failures are logged to `err` and retried with
// backoff.
void RunHoldReleaser(CaseStore* store, console::RiskflowdClient* client,
                     const HoldReleaserOptions& options,
                     const std::atomic<bool>* stop, std::ostream* err);

}  // namespace riskflow::cases

#endif  // RISKFLOW_TOOLS_RISKFLOW_CASES_HOLD_RELEASER_H_
