// Freezes the account's recent events from riskflowd's log into each case's
// evidence (issue 10, item 3; docs/cases.md, "Recent events"). The consumer
// queues a fetch in the same transaction that opens a case or attaches a
// flag; this loop asks riskflowd (Admin.GetAccountEvents) for the events
// in the window before the flagged event (on a join: only what is newer
// than the last snapshot) and stores the answer — or, once riskflowd has
// refused or stayed unreachable for max_attempts tries, the error — in the
// case. A case never waits for it: the case exists from the ingest on.
#ifndef RISKFLOW_TOOLS_RISKFLOW_CASES_RECENT_EVENTS_FETCHER_H_
#define RISKFLOW_TOOLS_RISKFLOW_CASES_RECENT_EVENTS_FETCHER_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/console/riskflowd_client.h"

namespace riskflow::cases {

struct RecentEventsOptions {
  // Events per snapshot (riskflowd caps it at 1000); 0 turns fetching off.
  int64_t limit = 50;
  // How far back from the flagged event's time; zero: no time window.
  absl::Duration window = absl::Hours(7 * 24);
  // Tries while riskflowd is unreachable before the error is frozen.
  int64_t max_attempts = 3;
  absl::Duration idle_poll = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
};

// "7d", "36h", "90m", "0" (no window): absl durations plus days.
absl::StatusOr<absl::Duration> ParseWindow(const std::string& text);

// One pass over the queued fetches. Returns the snapshots stored; stops at
// the first transport failure that will be retried (returned as error).
absl::StatusOr<int64_t> FetchRecentEvents(CaseStore* store,
                                          console::RiskflowdClient* client,
                                          const RecentEventsOptions& options);

// Passes until `stop`, backing off while riskflowd is unreachable.
void RunRecentEventsFetcher(CaseStore* store, console::RiskflowdClient* client,
                            const RecentEventsOptions& options,
                            const std::atomic<bool>* stop, std::ostream* err);

}  // namespace riskflow::cases

#endif  // RISKFLOW_TOOLS_RISKFLOW_CASES_RECENT_EVENTS_FETCHER_H_
