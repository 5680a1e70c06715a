// Shard::PrefetchAhead: the next events' accounts, and the derived
// entities their detectors hint, walked into the CPU cache while one event
// is decided (docs/state-memory.md, "Prefetch ahead" and "Entity hints").
#include <vector>

#include "pipeline/engine/prefetch_schedule.h"
#include "pipeline/engine/shard.h"

namespace riskflow::engine {

void Shard::PrefetchAhead(const std::vector<ShardItem>& items, size_t begin,
                          size_t i, size_t end) {
  plugin_host::ShardDetectors* detectors = current_->detectors.get();
  const bool hints = hints_on_ && detectors->has_hints();
  if (hints && i == begin) detectors->BeginHintBatch();
  // Every event's first state access is its account's (the hold check),
  // and most of its detectors' states are the account's too.
  ForEachPrefetchStage(
      begin, i, end, state::ShardState::kPrefetchStages,
      [&](size_t j, int stage) {
        const ShardItem& next = items[j];
        if (next.event.sequence == 0) return;  // a marker: no event
        state_->PrefetchEntity(next.event.event.account_id(), stage);
        if (!hints) return;
        plugin_host::EventHints& h = hints_[j % kHintRing];
        uint32_t& live = hints_live_[j % kHintRing];
        // Stage 0 is each event's first visit: ask its detectors once.
        if (stage == 0) {
          detectors->CollectHints(next.event, next.stage_slots,
                                  next.remote_slots, &h);
          live = h.size() == 32 ? ~uint32_t{0} : (uint32_t{1} << h.size()) - 1;
        }
        // Behind the account like its companions: stages 0..4 of each
        // hinted entity (a derived record has no companions of its own).
        const int hint_stage = stage - kHintLag;
        if (hint_stage < 0 || hint_stage > 4) return;
        for (size_t k = 0; k < h.size(); ++k) {
          if ((live >> k & 1) == 0) continue;
          if (state_->PrefetchEntity(h.entity(k), h.hash(k), hint_stage)) {
            continue;
          }
          // Not cached: a new derived entity (duplicate_payout's key holds
          // the amount) or one evicted. Its look-up will miss the record
          // set and read the stored-key filter's block instead.
          live &= ~(uint32_t{1} << k);
          state_->PrefetchStoredKeyBlock(h.hash(k));
        }
      });
}

}  // namespace riskflow::engine
