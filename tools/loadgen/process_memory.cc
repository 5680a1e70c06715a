#include "tools/loadgen/process_memory.h"

#include <cstddef>
#include <cstdio>
#include <cstring>

// jemalloc's control interface. Weak: loadgen links jemalloc (as riskflowd
// does), a test or another binary may not, and then this is null.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp,
                       void* newp, size_t newlen) __attribute__((weak));

namespace riskflow::loadgen {

int64_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int64_t kb = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    long long v = 0;
    if (std::sscanf(line, "VmRSS: %lld kB", &v) == 1) {
      kb = v;
      break;
    }
  }
  std::fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

int64_t AllocatedBytes() {
  if (mallctl == nullptr) return -1;
  // Statistics are snapshots refreshed by writing the epoch.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  if (mallctl("epoch", &epoch, &len, &epoch, len) != 0) return -1;
  size_t allocated = 0;
  len = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) != 0) {
    return -1;
  }
  return static_cast<int64_t>(allocated);
}

std::string MbText(const std::optional<int64_t>& bytes) {
  if (!bytes.has_value()) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%+.1f", *bytes / 1048576.0);
  return buf;
}

}  // namespace riskflow::loadgen
