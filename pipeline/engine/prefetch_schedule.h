// Which prefetch stage each upcoming event of a micro-batch gets while the
// shard decides one event (ShardState::PrefetchEntity, docs/state-memory.md
// "Prefetch ahead").
#ifndef RISKFLOW_PIPELINE_ENGINE_PREFETCH_SCHEDULE_H_
#define RISKFLOW_PIPELINE_ENGINE_PREFETCH_SCHEDULE_H_

#include <cstddef>

namespace riskflow::engine {

// Before deciding event `i` of the micro-batch [begin, end), calls
// visit(j, stage) for j = i + 1 .. i + stages (those before `end`), nearest
// first. Event j's stages come one per event decided before it, in order
// 0, 1, ..., so each stage reads only what the previous one prefetched one
// event earlier: j gets stage `stages - (j - i)`, and its last stage just
// before it is decided. Near the batch's start, where fewer events lie
// before j, it gets the stages it has had time for (0 .. i - begin).
template <typename Visit>
void ForEachPrefetchStage(size_t begin, size_t i, size_t end, int stages,
                          Visit&& visit) {
  const size_t depth = static_cast<size_t>(stages);
  for (size_t d = 1; d <= depth && i + d < end; ++d) {
    const size_t j = i + d;
    // The first event before j that gave it a stage.
    const size_t first = j - begin >= depth ? j - depth : begin;
    visit(j, static_cast<int>(i - first));
  }
}

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_PREFETCH_SCHEDULE_H_
