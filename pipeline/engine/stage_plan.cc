#include "pipeline/engine/stage_plan.h"

#include "pipeline/router/account_holds.h"

#include "absl/strings/str_cat.h"
#include "pipeline/engine/partition.h"
#include "pipeline/plugin_host/partition_key.h"

namespace riskflow::engine {

absl::StatusOr<std::shared_ptr<const StageLayout>> StageLayout::Of(
    const plugin_host::Pipeline& pipeline) {
  auto layout = std::make_shared<StageLayout>();
  const auto& slots = pipeline.detectors();
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i]->partition_key == RF_PARTITION_ACCOUNT) continue;
    layout->keyed_slots.emplace_back(static_cast<uint32_t>(i),
                                     slots[i]->partition_key);
  }
  if (layout->keyed() && slots.size() > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pipeline: ", slots.size(), " detectors, but a pipeline with keyed "
        "stages (detector '", slots[layout->keyed_slots[0].first]->config.name(),
        "' partitions by ",
        plugin_host::PartitionKeyName(layout->keyed_slots[0].second),
        ") may have at most 64"));
  }
  return std::shared_ptr<const StageLayout>(std::move(layout));
}

void PlanKeyedEvent(const StageLayout& layout, log::LoggedEvent&& event,
                    uint32_t n, const ShardLayouts* recovery, bool recovered,
                    std::vector<std::vector<ShardItem>>* per_shard) {
  const riskflow::v1::Event& ev = event.event;
  const uint32_t home = ShardOf(ev.account_id(), n);
  const bool decide =
      recovery == nullptr || !recovery->Decided(event.sequence, ev.account_id());
  // Per shard: the keyed slots it runs for this event. Few shards, few
  // slots: linear scans beat any map.
  thread_local std::vector<uint64_t> run_on;
  run_on.assign(n, 0);
  uint64_t remote = 0;  // keyed slots not run by the decision item
  uint64_t touched = 0;  // shards (mod 64) with a bit in run_on, fast skip
  // Hold and release events run no detector anywhere (account_holds.h).
  const bool no_stages = router::IsHoldEvent(ev.type());
  for (const auto& [slot, key] : layout.keyed_slots) {
    if (no_stages) break;
    const std::string_view value = plugin_host::PartitionValue(ev, key);
    const uint32_t s = ShardOf(value, n);
    const uint64_t bit = uint64_t{1} << slot;
    // Live: every stage runs. Re-run: only a stage whose state lacks the
    // event (its shard's checkpoint, under any recorded layout, is behind).
    const bool run =
        recovery == nullptr || !recovery->Decided(event.sequence, value);
    if (s == home && decide && run) continue;  // runs in the decision item
    remote |= bit;
    if (run) {
      run_on[s] |= bit;
      touched |= uint64_t{1} << (s % 64);
    }
  }
  uint32_t partials = 0;
  if (touched != 0) {
    for (uint32_t s = 0; s < n; ++s) {
      if (run_on[s] == 0) continue;
      ShardItem& item = (*per_shard)[s].emplace_back();
      item.stage_slots = run_on[s];
      item.home = home;
      // A home that does not decide (it did before the crash) waits for
      // nothing; the home's own state-only re-run posts nothing either.
      item.post_partial = decide && s != home;
      if (item.post_partial) ++partials;
      item.event = event;  // a copy: the home keeps the original
    }
  }
  if (!decide) return;
  ShardItem& item = (*per_shard)[home].emplace_back();
  item.remote_slots = remote;
  item.partials = partials;
  item.recovered = recovered;
  item.event = std::move(event);
}

bool NeedsRerun(const StageLayout& layout, const ShardLayouts& layouts,
                const log::LoggedEvent& event) {
  const riskflow::v1::Event& ev = event.event;
  if (!layouts.Decided(event.sequence, ev.account_id())) return true;
  for (const auto& [slot, key] : layout.keyed_slots) {
    if (!layouts.Decided(event.sequence,
                         plugin_host::PartitionValue(ev, key))) {
      return true;
    }
  }
  return false;
}

}  // namespace riskflow::engine
