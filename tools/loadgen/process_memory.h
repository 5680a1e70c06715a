// process_memory.h — how much memory this process holds, for loadgen's
// memory figures: the daemons run in loadgen's own process, so what grows
// during a run is theirs (plus the client's small buffers).
#ifndef RISKFLOW_TOOLS_LOADGEN_PROCESS_MEMORY_H_
#define RISKFLOW_TOOLS_LOADGEN_PROCESS_MEMORY_H_

#include <cstdint>
#include <optional>
#include <string>

namespace riskflow::loadgen {

// VmRSS of /proc/self/status in bytes; -1 if it cannot be read.
int64_t ResidentBytes();

// Bytes the allocator has handed out and not got back (jemalloc's
// stats.allocated); -1 when the binary is not linked with jemalloc. Unlike
// RSS it does not keep pages a previous run freed, so a delta over one run
// is that run's live memory.
int64_t AllocatedBytes();

// "+12.3" (MB, signed) or "n/a".
std::string MbText(const std::optional<int64_t>& bytes);

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_PROCESS_MEMORY_H_
