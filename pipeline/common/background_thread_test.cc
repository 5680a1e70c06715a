#include "pipeline/common/background_thread.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "gtest/gtest.h"

namespace riskflow {
namespace {

int NiceOfThisThread() {
  return ::getpriority(PRIO_PROCESS,
                       static_cast<id_t>(::syscall(SYS_gettid)));
}

// Only the calling thread yields: the rest of the process (the engine's
// latency-critical threads) keeps its priority.
TEST(BackgroundThreadTest, RaisesTheNiceValueOfTheCallingThreadOnly) {
  const int before = NiceOfThisThread();
  int inside = 0;
  int inside_before = 0;
  std::thread t([&] {
    inside_before = NiceOfThisThread();
    DeprioritizeThisThread(3);
    inside = NiceOfThisThread();
  });
  t.join();
  EXPECT_EQ(inside, std::min(inside_before + 3, 19));
  EXPECT_EQ(NiceOfThisThread(), before);
}

}  // namespace
}  // namespace riskflow
