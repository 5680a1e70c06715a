#ifndef RISKFLOW_PIPELINE_COMMON_BACKGROUND_THREAD_H_
#define RISKFLOW_PIPELINE_COMMON_BACKGROUND_THREAD_H_

#include <string>

namespace riskflow {

// Makes the calling thread yield the CPU to the engine's latency-critical
// threads (gRPC handlers, the log writer, the shards) when the cores are
// busy: raises its nice value by `increment` (Linux: per thread; needs no
// privilege). For work that must finish but not at once: the checkpoint
// writer's sort and SST build, the segment preparer's zero-fill. Under
// contention CFS gives a thread at nice +5 about a third of a nice-0
// thread's share, so it still progresses at full load.
void DeprioritizeThisThread(int increment);

// Names the calling thread for top -H, perf and /proc/<pid>/task/*/comm
// ("shard-0", "log-1", "catch-up"); Linux keeps the first 15 bytes.
void NameThisThread(const std::string& name);

}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_COMMON_BACKGROUND_THREAD_H_
