#include "pipeline/router/freeze_cap.h"

#include "absl/strings/str_cat.h"
#include "pipeline/router/router.h"
#include "pipeline/state/state_store.h"

namespace riskflow::router {
namespace {

using riskflow::v1::Annotation;
using riskflow::v1::Decision;

constexpr int64_t kMinuteMs = 60 * 1000;
// Counts are kept this long behind the log watermark, so events up to an
// hour late are still counted in their own minute (later ones are not
// capped: their minute's count is gone, deterministically so).
constexpr int64_t kKeepMs = 60 * kMinuteMs;
// Not a valid detector name (validate.cc), so it cannot collide with a
// detector's own state ids.
constexpr char kStateOwner[] = "#freeze_cap";

int64_t MinuteStartMs(int64_t t) {
  return state::BucketOf(t, kMinuteMs) * kMinuteMs;
}

}  // namespace

uint32_t FreezeCapPerMinute(const riskflow::v1::DetectorConfig& d) {
  return d.has_freeze_cap_per_minute() ? d.freeze_cap_per_minute()
                                       : kDefaultFreezeCapPerMinute;
}

uint32_t FreezeCapShardShare(uint32_t cap_per_minute, uint32_t shard_count) {
  if (cap_per_minute == 0 || shard_count <= 1) return cap_per_minute;
  return static_cast<uint32_t>(
      (static_cast<uint64_t>(cap_per_minute) + shard_count - 1) / shard_count);
}

FreezeCap::FreezeCap(const riskflow::v1::PipelineConfig& config,
                     uint32_t shard_count, uint32_t shard_index)
    : shard_count_(shard_count),
      entity_(absl::StrCat(shard_count, "/", shard_index)) {
  for (int i = 0; i < config.detectors_size(); ++i) {
    const riskflow::v1::DetectorConfig& d = config.detectors(i);
    const uint32_t cap = FreezeCapPerMinute(d);
    if (cap == 0) continue;
    absl::StatusOr<state::StateSpec> spec =
        state::MakeStateSpec(kStateOwner, d.name(), state::StateKind::kCounter,
                             kMinuteMs, kMinuteMs, kKeepMs);
    if (!spec.ok()) continue;  // constant shape: cannot fail
    caps_.push_back(Cap{d.name(), static_cast<size_t>(i), cap,
                        FreezeCapShardShare(cap, shard_count), *spec});
  }
}

void FreezeCap::RegisterStates(storage::Store* store) const {
  for (const Cap& c : caps_) state::RegisterState(store, c.spec);
}

absl::Status FreezeCap::Apply(state::ShardState* state, Decision* d,
                              std::vector<size_t>* capped) const {
  capped->clear();
  // Most decisions: nothing to count.
  if (caps_.empty() || d->route() != riskflow::v1::FREEZE) {
    return absl::OkStatus();
  }
  const int64_t t = d->event_time_ms();
  for (const Cap& c : caps_) {
    bool freezes = false;
    for (const Annotation& a : d->annotations()) {
      if (a.detector() == c.detector && a.route() == riskflow::v1::FREEZE) {
        freezes = true;
        break;
      }
    }
    if (!freezes) continue;
    // A 1 ms query window reads exactly the event's minute bucket.
    absl::StatusOr<int64_t> used = state->WindowTotal(c.spec, entity_, t, 1);
    if (!used.ok()) return used.status();
    if (*used < c.share) {
      if (absl::Status s = state->WindowAdd(c.spec, entity_, t, 1); !s.ok()) {
        return s;
      }
      continue;
    }
    for (Annotation& a : *d->mutable_annotations()) {
      if (a.detector() == c.detector && a.route() == riskflow::v1::FREEZE) {
        a.set_route(riskflow::v1::MANUAL_REVIEW);
      }
    }
    Annotation* note = d->add_annotations();
    note->set_detector(kRouterDetector);
    note->set_reason_code(kFreezeCapReason);
    note->set_message(absl::StrCat(
        "detector '", c.detector, "' reached its cap of ", c.per_minute,
        " FREEZE per event-time minute (", c.share, " on each of ",
        shard_count_, " shards); this FREEZE goes to MANUAL_REVIEW"));
    auto evidence = [note](const char* key, const std::string& value) {
      riskflow::v1::Evidence* e = note->add_evidence();
      e->set_key(key);
      e->set_value(value);
    };
    evidence("detector", c.detector);
    evidence("cap_per_minute", absl::StrCat(c.per_minute));
    evidence("shard_share", absl::StrCat(c.share));
    evidence("minute_start_ms", absl::StrCat(MinuteStartMs(t)));
    note->set_route_hint(riskflow::v1::MANUAL_REVIEW);
    note->set_route(riskflow::v1::MANUAL_REVIEW);
    capped->push_back(c.index);
  }
  if (!capped->empty()) SetRoutesFromAnnotations(d);
  return absl::OkStatus();
}

}  // namespace riskflow::router
