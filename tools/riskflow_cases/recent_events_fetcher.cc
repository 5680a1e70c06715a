#include "tools/riskflow_cases/recent_events_fetcher.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace riskflow::cases {
namespace {

void SleepUnless(const std::atomic<bool>* stop, absl::Duration d) {
  const absl::Time until = absl::Now() + d;
  while (!stop->load() && absl::Now() < until) {
    absl::SleepFor(std::min(d, absl::Milliseconds(50)));
  }
}

// Worth another try later: riskflowd is down, restarting or overloaded.
bool Passing(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<absl::Duration> ParseWindow(const std::string& text) {
  absl::Duration d;
  int64_t days = 0;
  if (text.size() > 1 && text.back() == 'd' &&
      absl::SimpleAtoi(text.substr(0, text.size() - 1), &days) && days >= 0) {
    return absl::Hours(24 * days);
  }
  if (absl::ParseDuration(text, &d) && d >= absl::ZeroDuration()) return d;
  return absl::InvalidArgumentError(absl::StrCat(
      "--evidence_recent_window: \"", text,
      "\" is not a duration (e.g. 7d, 36h, 90m; 0 for no window)"));
}

absl::StatusOr<int64_t> FetchRecentEvents(CaseStore* store,
                                          console::RiskflowdClient* client,
                                          const RecentEventsOptions& options) {
  int64_t stored = 0;
  while (true) {
    auto todos = store->PendingRecentEvents(100);
    if (!todos.ok()) return todos.status();
    if (todos->empty()) return stored;
    for (const CaseStore::RecentEventsTodo& todo : *todos) {
      absl::StatusOr<uint64_t> through = store->RecentEventsThrough(todo.case_id);
      if (!through.ok()) return through.status();
      riskflow::v1::GetAccountEventsRequest request;
      request.set_account_id(todo.account_id);
      request.set_limit(static_cast<uint32_t>(options.limit));
      if (options.window > absl::ZeroDuration()) {
        request.set_since_ms(std::max<int64_t>(
            1, todo.event_time_ms - absl::ToInt64Milliseconds(options.window)));
      }
      request.set_after_sequence(*through);
      absl::StatusOr<riskflow::v1::GetAccountEventsResponse> answer =
          client->GetAccountEvents(request);
      if (!answer.ok() && Passing(answer.status()) &&
          todo.attempts + 1 < options.max_attempts) {
        if (absl::Status s = store->RecentEventsAttemptFailed(
                todo.case_id, std::string(answer.status().message()));
            !s.ok()) {
          return s;
        }
        return answer.status();
      }
      // Fetched, refused for good, or out of attempts: frozen either way
      // (the evidence then says why the events are missing).
      if (absl::Status s = store->StoreRecentEvents(todo, answer); !s.ok()) {
        return s;
      }
      ++stored;
    }
  }
}

void RunRecentEventsFetcher(CaseStore* store, console::RiskflowdClient* client,
                            const RecentEventsOptions& options,
                            const std::atomic<bool>* stop, std::ostream* err) {
  absl::Duration backoff = options.idle_poll;
  while (!stop->load()) {
    absl::StatusOr<int64_t> stored = FetchRecentEvents(store, client, options);
    if (stored.ok()) {
      backoff = options.idle_poll;
      SleepUnless(stop, options.idle_poll);
      continue;
    }
    *err << "riskflow-cases: recent events for the evidence: "
         << stored.status().message() << " (retrying in "
         << absl::FormatDuration(backoff) << ")\n";
    SleepUnless(stop, backoff);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

}  // namespace riskflow::cases
