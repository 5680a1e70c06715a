#include "pipeline/engine/stage_mailbox.h"

#include <utility>

namespace riskflow::engine {

void StageMailbox::Post(uint64_t sequence, plugin_host::StagePartial partial) {
  absl::MutexLock lock(&mu_);
  if (sequence <= decided_through_) return;
  Entry& e = entries_[sequence];
  ++e.arrived;
  if (e.merged.slots.empty()) {
    e.merged = std::move(partial);
  } else {
    for (auto& slot : partial.slots) e.merged.slots.push_back(std::move(slot));
  }
}

bool StageMailbox::TakeLocked(uint64_t sequence, uint32_t count,
                              plugin_host::StagePartial* out) {
  auto it = entries_.find(sequence);
  if (it == entries_.end() || it->second.arrived < count) return false;
  *out = std::move(it->second.merged);
  entries_.erase(it);
  return true;
}

bool StageMailbox::TryTake(uint64_t sequence, uint32_t count,
                           plugin_host::StagePartial* out) {
  absl::MutexLock lock(&mu_);
  return TakeLocked(sequence, count, out);
}

bool StageMailbox::Take(uint64_t sequence, uint32_t count,
                        plugin_host::StagePartial* out) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, sequence, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (closed_) return true;
    auto it = entries_.find(sequence);
    return it != entries_.end() && it->second.arrived >= count;
  };
  mu_.Await(absl::Condition(&ready));
  return TakeLocked(sequence, count, out);
}

void StageMailbox::SetDecidedThrough(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (sequence <= decided_through_) return;
  decided_through_ = sequence;
  // Stragglers for decided events (re-runs after a crash) are never taken.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first <= sequence) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
}

void StageMailbox::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

size_t StageMailbox::pending() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace riskflow::engine
