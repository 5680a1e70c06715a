// Keyed stages (docs/keyed-stages.md): which shard runs which detector of a
// pipeline for an event. A detector keyed by the account runs on the
// event's home shard (ShardOf(account)); one keyed by the counterparty,
// device or IP runs on the shard owning that value, which hands its
// annotations back to the home shard (StageMailbox) before the home decides.
#ifndef RISKFLOW_PIPELINE_ENGINE_STAGE_PLAN_H_
#define RISKFLOW_PIPELINE_ENGINE_STAGE_PLAN_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/engine/shard.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/plugin_host/pipeline.h"

namespace riskflow::engine {

// The partition keys of one pipeline version's detectors, known once its
// first shard's instances declared them (Pipeline::Instantiate).
struct StageLayout {
  // Detector slots keyed by something other than the account.
  std::vector<std::pair<uint32_t, rf_partition_key>> keyed_slots;
  bool keyed() const { return !keyed_slots.empty(); }

  // Refuses a keyed pipeline with more than 64 detectors (slots are bits of
  // a uint64_t mask in the queue items).
  static absl::StatusOr<std::shared_ptr<const StageLayout>> Of(
      const plugin_host::Pipeline& pipeline);
};

// Appends the queue items of one event of a keyed pipeline to per_shard
// (index = shard): a decision item on the home shard, and a stage item on
// every other shard that runs at least one of its stages.
//
// `recovery` (null for live events) holds what the store says is done: then
// only the stages whose state lacks the event run (ShardLayouts::Decided
// with the stage's key value), the home decides only when its decision is
// not done, and a stage shard posts its partial only when the home decides.
// `recovered` marks the decision item (ShardItem::recovered).
void PlanKeyedEvent(const StageLayout& layout, log::LoggedEvent&& event,
                    uint32_t shard_count, const ShardLayouts* recovery,
                    bool recovered,
                    std::vector<std::vector<ShardItem>>* per_shard);

// Whether a re-run after a crash must dispatch the event at all: its
// decision or one of its keyed stages' state is not done.
bool NeedsRerun(const StageLayout& layout, const ShardLayouts& layouts,
                const log::LoggedEvent& event);

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_STAGE_PLAN_H_
