#include "pipeline/engine/decision_waiters.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <utility>

#include "absl/strings/str_cat.h"

namespace riskflow::engine {

absl::StatusOr<riskflow::v1::Decision> DecisionWaiters::Wait(
    uint64_t sequence, absl::Time deadline, const Lookup& lookup) {
  Waiter waiter;
  waiter.lookup = &lookup;
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
  return NotDecidedInTime(sequence);
}

absl::Status DecisionWaiters::NotDecidedInTime(uint64_t sequence) {
  return absl::DeadlineExceededError(absl::StrCat(
      "event sequence ", sequence,
      " is durable but was not decided before the deadline; it will still be "
      "decided, and evaluating the same event_id again returns the decision"));
}

uint64_t DecisionWaiters::WaitAsync(uint64_t sequence, const Lookup& lookup,
                                    Done done) {
  uint64_t token;
  {
    absl::MutexLock lock(&mu_);
    token = next_token_++;
    async_waiting_[sequence].push_back({token, std::move(done), lookup});
    count_.fetch_add(1);
  }
  // Registered first, then looked up, as in Wait.
  absl::StatusOr<std::optional<riskflow::v1::Decision>> stored = lookup();
  if (stored.ok() && !stored->has_value()) return token;
  Done mine;
  {
    absl::MutexLock lock(&mu_);
    mine = TakeLocked(sequence, token);
  }
  // Empty: a shard published meanwhile and ran the callback itself.
  if (mine) {
    if (stored.ok()) {
      mine(**std::move(stored));
    } else {
      mine(stored.status());
    }
  }
  return 0;
}

bool DecisionWaiters::Cancel(uint64_t sequence, uint64_t token) {
  absl::MutexLock lock(&mu_);
  return static_cast<bool>(TakeLocked(sequence, token));
}

DecisionWaiters::Done DecisionWaiters::TakeLocked(uint64_t sequence,
                                                  uint64_t token) {
  auto it = async_waiting_.find(sequence);
  if (it == async_waiting_.end()) return nullptr;
  std::vector<AsyncWaiter>& v = it->second;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].token != token) continue;
    Done done = std::move(v[i].done);
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    if (v.empty()) async_waiting_.erase(it);
    count_.fetch_sub(1);
    return done;
  }
  return nullptr;
}

bool DecisionWaiters::Waiting(uint64_t sequence) {
  if (count_.load() == 0) return false;
  absl::MutexLock lock(&mu_);
  return waiting_.contains(sequence) || async_waiting_.contains(sequence);
}

void DecisionWaiters::Publish(
    const std::vector<riskflow::v1::Decision>& committed) {
  if (count_.load() == 0) return;
  std::vector<std::pair<Done, const riskflow::v1::Decision*>> ready;
  {
    absl::MutexLock lock(&mu_);
    for (const riskflow::v1::Decision& d : committed) {
      auto it = waiting_.find(d.sequence());
      if (it != waiting_.end()) {
        for (Waiter* w : it->second) w->decision = d;
      }
      auto async = async_waiting_.find(d.sequence());
      if (async == async_waiting_.end()) continue;
      for (AsyncWaiter& w : async->second) {
        ready.emplace_back(std::move(w.done), &d);
      }
      count_.fetch_sub(static_cast<int>(async->second.size()));
      async_waiting_.erase(async);
    }
  }
  // Outside the lock: a callback finishes an RPC, and may call Cancel.
  for (auto& [done, decision] : ready) done(*decision);
}

void DecisionWaiters::Publish(
    const std::vector<riskflow::v1::Decision>& whole,
    const std::vector<uint64_t>& decided) {
  Publish(whole);
  if (count_.load() == 0) return;
  assert(std::is_sorted(decided.begin(), decided.end()));
  // Few waiters, many decisions: walk the waiters. Those of `whole` have
  // their decision by now (the async ones are gone).
  std::vector<std::pair<uint64_t, Lookup>> missing;
  {
    absl::MutexLock lock(&mu_);
    std::vector<uint64_t> waited;
    for (const auto& [sequence, unused] : waiting_) waited.push_back(sequence);
    for (const auto& [sequence, unused] : async_waiting_) {
      waited.push_back(sequence);
    }
    std::sort(waited.begin(), waited.end());
    waited.erase(std::unique(waited.begin(), waited.end()), waited.end());
    for (uint64_t sequence : waited) {
      if (!std::binary_search(decided.begin(), decided.end(), sequence)) {
        continue;
      }
      if (Lookup lookup = PendingLookupLocked(sequence)) {
        missing.emplace_back(sequence, std::move(lookup));
      }
    }
  }
  for (auto& [sequence, lookup] : missing) {
    // Committed before Publish, so the look-up finds it. Should it not
    // (a failing read), the waiter is left to its deadline.
    absl::StatusOr<std::optional<riskflow::v1::Decision>> found = lookup();
    if (!found.ok() || !found->has_value()) continue;
    Publish({**std::move(found)});
  }
}

DecisionWaiters::Lookup DecisionWaiters::PendingLookupLocked(
    uint64_t sequence) {
  auto async = async_waiting_.find(sequence);
  if (async != async_waiting_.end() && !async->second.empty()) {
    return async->second.front().lookup;
  }
  auto it = waiting_.find(sequence);
  if (it == waiting_.end()) return nullptr;
  for (Waiter* w : it->second) {
    if (!w->decision.has_value()) return *w->lookup;
  }
  return nullptr;
}

}  // namespace riskflow::engine
