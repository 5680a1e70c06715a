#include "tools/loadgen/peer_baseline.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/loadgen/process_memory.h"

namespace riskflow::loadgen {
namespace {

// Length-prefixed, so no field value can make two keys collide.
void AppendField(absl::string_view field, std::string* key) {
  absl::StrAppend(key, field.size(), ":", field);
}

double ThreadCpuSeconds() {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

PeerRules PeerRules::DefaultPipeline() {
  PeerRules rules;
  rules.velocity_types = {riskflow::v1::PAYMENT, riskflow::v1::PAYOUT,
                          riskflow::v1::TRANSFER};
  rules.velocity_max = {5, 20};
  return rules;
}

PeerBaseline::PeerBaseline(PeerRules rules) : rules_(std::move(rules)) {
  for (int max : rules_.velocity_max) {
    history_ = std::max(history_, static_cast<size_t>(std::max(max, 0)));
  }
}

bool PeerBaseline::Counted(riskflow::v1::EventType type) const {
  for (riskflow::v1::EventType t : rules_.velocity_types) {
    if (t == type) return true;
  }
  return false;
}

uint32_t PeerBaseline::OnEvent(const riskflow::v1::Event& event) {
  ++counts_.events;
  const bool payout = event.type() == riskflow::v1::PAYOUT;
  const bool counted = Counted(event.type());
  if (!payout && !counted) return 0;
  uint32_t fired = 0;

  auto it = accounts_.find(event.account_id());
  if (it == accounts_.end()) {
    it = accounts_.emplace(event.account_id(), Account()).first;
  }
  Account& account = it->second;
  const int64_t t = std::max(event.event_time_ms(), account.latest);
  account.latest = t;

  if (counted) {
    // More than L events in (t - window, t], this one included: the L-th
    // previous one is inside (the ones after it are then too).
    std::vector<int64_t>& ring = account.ring;
    for (int max : rules_.velocity_max) {
      if (max <= 0) {
        fired |= kPeerVelocity;  // one event is already more than none
      } else if (ring.size() >= static_cast<size_t>(max)) {
        // Chronological index k lives at (next + k) % size.
        const int64_t previous =
            ring[(account.next + ring.size() - max) % ring.size()];
        if (previous > t - rules_.velocity_window_ms) fired |= kPeerVelocity;
      }
    }
    // The ring grows as the account's events come, not reserved up front:
    // most accounts see only a few (reserving measured 23-44% more state
    // on loadgen's stream for no clear CPU gain).
    if (history_ > 0) {
      if (ring.size() < history_) {
        ring.push_back(t);
      } else {
        ring[account.next] = t;
        account.next = (account.next + 1) % history_;
      }
    }
  }
  if (!payout) {
    if (fired != 0) {
      ++counts_.flagged;
      ++counts_.velocity;
    }
    return fired;
  }

  for (const auto& [currency, threshold] : rules_.large_thresholds_minor) {
    if (event.currency() == currency) {
      if (event.amount_minor() >= threshold) fired |= kPeerLarge;
      break;
    }
  }

  key_.clear();
  AppendField(event.account_id(), &key_);
  AppendField(event.counterparty(), &key_);
  AppendField(event.currency(), &key_);
  absl::StrAppend(&key_, event.amount_minor());
  auto last = last_payout_.find(key_);
  if (last == last_payout_.end()) {
    last_payout_.emplace(key_, t);
  } else {
    // t never precedes the stored time (see the class comment).
    if (t - last->second < rules_.duplicate_window_ms) {
      fired |= kPeerDuplicate;
    }
    last->second = t;
  }

  if (fired != 0) ++counts_.flagged;
  if (fired & kPeerVelocity) ++counts_.velocity;
  if (fired & kPeerLarge) ++counts_.large;
  if (fired & kPeerDuplicate) ++counts_.duplicate;
  return fired;
}

PeerCounts RunPeerBaseline(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const PeerRules& rules) {
  PeerBaseline peer(rules);
  for (const riskflow::v1::PublishRequest& batch : batches) {
    for (const riskflow::v1::Event& event : batch.events()) {
      peer.OnEvent(event);
    }
  }
  return peer.counts();
}

PeerRun TimePeerBaseline(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const PeerRules& rules) {
  PeerRun run;
  const int64_t allocated_before = AllocatedBytes();
  const int64_t rss_before = ResidentBytes();
  PeerBaseline peer(rules);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ThreadCpuSeconds();
  for (const riskflow::v1::PublishRequest& batch : batches) {
    for (const riskflow::v1::Event& event : batch.events()) {
      peer.OnEvent(event);
    }
  }
  run.seconds = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  run.cpu_seconds = ThreadCpuSeconds() - cpu_start;
  run.counts = peer.counts();
  run.events_per_second =
      run.seconds > 0 ? run.counts.events / run.seconds : 0;
  const int64_t allocated_after = AllocatedBytes();
  const int64_t rss_after = ResidentBytes();
  if (allocated_before >= 0 && allocated_after >= 0) {
    run.allocated_growth = allocated_after - allocated_before;
  }
  if (rss_before >= 0 && rss_after >= 0) {
    run.rss_growth = rss_after - rss_before;
  }
  run.accounts = peer.accounts();
  run.payout_keys = peer.payout_keys();
  return run;
}

}  // namespace riskflow::loadgen
