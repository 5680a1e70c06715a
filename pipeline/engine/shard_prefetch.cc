// Shard::PrefetchAhead: the next events' accounts walked into the CPU
// cache while one event is decided (docs/state-memory.md, "Prefetch
// ahead").
#include <vector>

#include "pipeline/engine/prefetch_schedule.h"
#include "pipeline/engine/shard.h"

namespace riskflow::engine {

void Shard::PrefetchAhead(const std::vector<ShardItem>& items, size_t begin,
                          size_t i, size_t end) {
  // Every event's first state access is its account's (the hold check),
  // and most of its detectors' states are the account's too.
  ForEachPrefetchStage(
      begin, i, end, state::ShardState::kPrefetchStages,
      [&](size_t j, int stage) {
        const ShardItem& next = items[j];
        if (next.event.sequence == 0) return;  // a marker: no event
        state_->PrefetchEntity(next.event.event.account_id(), stage);
      });
}

}  // namespace riskflow::engine
