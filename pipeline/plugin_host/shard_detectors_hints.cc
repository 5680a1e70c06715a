// ShardDetectors::CollectHints: the detectors' entity hints for an event
// in the shard's prefetch window (ABI 1.3; docs/plugin-guide.md "Entity
// hints", docs/state-memory.md "Entity hints").
#include <algorithm>
#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"
#include "pipeline/plugin_host/plugin_call.h"
#include "pipeline/plugin_host/shard_detectors.h"

namespace riskflow::plugin_host {
namespace {

constexpr int64_t kHintBudgetUs = 5000;  // the on_event default

int64_t Ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

}  // namespace

void ShardDetectors::BeginHintBatch() {
  if (hinting_ > 0 && marker_ != nullptr) {
    hint_clock_ns_ = CrashMarker::MonotonicNowNs();
  }
}

void ShardDetectors::CollectHints(const log::LoggedEvent& logged,
                                  uint64_t stage_slots, uint64_t remote_slots,
                                  EventHints* out) {
  out->Clear(logged.event.account_id());
  if (hinting_ == 0) return;
  bool view_built = false;
  for (size_t i = 0; i < instances_.size(); ++i) {
    Instance& inst = instances_[i];
    if (inst.hints == nullptr) continue;
    // Only the detectors this shard runs for the event (keyed stages,
    // docs/keyed-stages.md); slots past 64 are never remote or stages.
    const bool in_mask = i < 64 && (stage_slots >> i & 1) != 0;
    const bool remote = i < 64 && (remote_slots >> i & 1) != 0;
    if (stage_slots != 0 ? !in_mask : remote) continue;
    if (inst.slot->quarantined.load(std::memory_order_relaxed)) continue;
    if (!view_built) {
      FillView(logged, &hint_view_, &hint_attributes_);
      view_built = true;
    }
    HintOne(inst, logged, out);
  }
}

void ShardDetectors::HintOne(Instance& inst, const log::LoggedEvent& logged,
                             EventHints* out) {
  DetectorSlot* slot = inst.slot;
  if (marker_ != nullptr) {
    // Like on_event: a crash or hang in here names this detector and the
    // hinted event, and the restart quarantines it (docs/plugin-faults.md).
    int64_t now_ns =
        std::max(hint_clock_ns_,
                 next_start_ != std::chrono::steady_clock::time_point()
                     ? Ns(next_start_)
                     : int64_t{0});
    // No BeginHintBatch yet (never the shard's case): a stale or missing
    // stamp would look like a call running for ages to the watchdog.
    if (now_ns == 0) now_ns = hint_clock_ns_ = CrashMarker::MonotonicNowNs();
    const int64_t budget = slot->config.time_budget_us() > 0
                               ? slot->config.time_budget_us()
                               : kHintBudgetUs;
    marker_->BeginCall(inst.marker_name, slot->config.name(), logged.sequence,
                       budget, now_ns);
  }
  out->BeginCall();
  std::string escaped;
  const rf_status s = CallPlugin(
      [&] { return inst.hints(inst.handle, out->sink(), &hint_view_); },
      &escaped);
  if (marker_ != nullptr) marker_->EndCall();
  if (s == RF_OK && escaped.empty()) return;
  out->DropCall();
  if (s == RF_NOT_FOUND && escaped.empty()) {
    // "This instance never hints": not asked again (ABI 1.3).
    inst.hints = nullptr;
    --hinting_;
    return;
  }
  if (escaped.empty()) return;  // a failed hint is just no hint
  // Threw through the C ABI: no more hints from this instance. Not a
  // fault and no quarantine: hints are asked at a time that depends on the
  // micro-batch, so they must never change a decision.
  inst.hints = nullptr;
  --hinting_;
  logging::Log(logging::Level::kError, {"plugin_host", -1, slot->config.name()},
               absl::StrCat("entity_hints threw through the C ABI on log "
                            "sequence ",
                            logged.sequence, " (", escaped,
                            "); this shard asks it for no more hints"));
}

}  // namespace riskflow::plugin_host
