#include "pipeline/engine/decision_waiters.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace riskflow::engine {

absl::StatusOr<riskflow::v1::Decision> DecisionWaiters::Wait(
    uint64_t sequence, absl::Time deadline, const Lookup& lookup) {
  Waiter waiter;
  {
    absl::MutexLock lock(&mu_);
    waiting_[sequence].push_back(&waiter);
    count_.fetch_add(1);
  }
  auto unregister = [&] {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(sequence);
    if (it != waiting_.end()) {
      auto& v = it->second;
      v.erase(std::remove(v.begin(), v.end(), &waiter), v.end());
      if (v.empty()) waiting_.erase(it);
    }
    count_.fetch_sub(1);
  };
  // Registered first, then looked up: a commit either precedes the lookup
  // (found in the store) or follows the registration (published to us).
  absl::StatusOr<std::optional<riskflow::v1::Decision>> stored = lookup();
  if (!stored.ok() || stored->has_value()) {
    unregister();
    if (!stored.ok()) return stored.status();
    return **stored;
  }
  {
    absl::MutexLock lock(&mu_);
    auto decided = [&waiter]() { return waiter.decision.has_value(); };
    mu_.AwaitWithDeadline(absl::Condition(&decided), deadline);
  }
  unregister();
  if (waiter.decision.has_value()) return *std::move(waiter.decision);
  return absl::DeadlineExceededError(absl::StrCat(
      "event sequence ", sequence,
      " is durable but was not decided before the deadline; it will still be "
      "decided, and evaluating the same event_id again returns the decision"));
}

void DecisionWaiters::Publish(
    const std::vector<riskflow::v1::Decision>& committed) {
  if (count_.load() == 0) return;
  absl::MutexLock lock(&mu_);
  for (const riskflow::v1::Decision& d : committed) {
    auto it = waiting_.find(d.sequence());
    if (it == waiting_.end()) continue;
    for (Waiter* w : it->second) w->decision = d;
  }
}

}  // namespace riskflow::engine
