#include "tools/riskflow_cases/hold_releaser.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace riskflow::cases {
namespace {

bool IsRelease(const Notification& n) {
  return n.kind == "released" || n.kind == "appeal_released";
}

void SleepUnless(const std::atomic<bool>* stop, absl::Duration d) {
  const absl::Time until = absl::Now() + d;
  while (!stop->load() && absl::Now() < until) {
    absl::SleepFor(std::min(d, absl::Milliseconds(50)));
  }
}

}  // namespace

absl::StatusOr<int64_t> ReleaseHeldAccounts(CaseStore* store,
                                            console::RiskflowdClient* client) {
  absl::StatusOr<int64_t> cursor =
      store->NotificationCursor(kHoldReleaserConsumer);
  if (!cursor.ok()) return cursor.status();
  int64_t sent = 0;
  while (true) {
    auto batch = store->ReadNotifications(*cursor, 100);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return sent;
    for (const Notification& n : *batch) {
      if (IsRelease(n)) {
        riskflow::v1::HoldRequest r;
        r.set_account_id(n.account_id);
        r.set_actor("riskflow-cases");
        r.set_reason(absl::StrCat("case ", n.case_id, " ",
                                  n.kind == "released" ? "released"
                                                       : "released on appeal"));
        r.set_case_id(absl::StrCat(n.case_id));
        r.set_request_id(absl::StrCat("case-", n.case_id, "-", n.kind));
        auto answer = client->ReleaseHold(r);
        if (!answer.ok()) return answer.status();
        ++sent;
      }
      if (absl::Status s =
              store->CommitNotificationCursor(kHoldReleaserConsumer, n.seq);
          !s.ok()) {
        return s;
      }
      *cursor = n.seq;
    }
  }
}

void RunHoldReleaser(CaseStore* store, console::RiskflowdClient* client,
                     const HoldReleaserOptions& options,
                     const std::atomic<bool>* stop, std::ostream* err) {
  absl::Duration backoff = options.idle_poll;
  while (!stop->load()) {
    absl::StatusOr<int64_t> sent = ReleaseHeldAccounts(store, client);
    if (sent.ok()) {
      if (*sent > 0) {
        *err << "riskflow-cases: released " << *sent
             << " account hold(s) at riskflowd\n";
      }
      backoff = options.idle_poll;
      SleepUnless(stop, options.idle_poll);
      continue;
    }
    *err << "riskflow-cases: releasing holds: " << sent.status().message()
         << " (retrying in " << absl::FormatDuration(backoff) << ")\n";
    SleepUnless(stop, backoff);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

}  // namespace riskflow::cases
