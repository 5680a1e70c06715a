#include "tools/loadgen/peer_baseline.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace riskflow::loadgen {
namespace {

// Length-prefixed, so no field value can make two keys collide.
void AppendField(absl::string_view field, std::string* key) {
  absl::StrAppend(key, field.size(), ":", field);
}

}  // namespace

PeerBaseline::PeerBaseline(PeerRules rules) : rules_(std::move(rules)) {}

uint32_t PeerBaseline::OnEvent(const riskflow::v1::Event& event) {
  ++counts_.events;
  if (event.type() != riskflow::v1::PAYOUT) return 0;
  uint32_t fired = 0;

  auto it = accounts_.find(event.account_id());
  if (it == accounts_.end()) {
    it = accounts_.emplace(event.account_id(), Account()).first;
  }
  Account& account = it->second;
  const int64_t t = std::max(event.event_time_ms(), account.latest);
  account.latest = t;

  // More than velocity_max PAYOUTs in (t - window, t], this one included.
  const size_t max = rules_.velocity_max > 0 ? rules_.velocity_max : 0;
  if (max == 0) {
    fired |= kPeerVelocity;  // one payout is already more than none
  } else if (account.ring.size() < max) {
    account.ring.push_back(t);
  } else {
    // The max-th previous payout; the newer ones are inside if it is.
    if (account.ring[account.next] > t - rules_.velocity_window_ms) {
      fired |= kPeerVelocity;
    }
    account.ring[account.next] = t;
    account.next = (account.next + 1) % max;
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

}  // namespace riskflow::loadgen
