#include "pipeline/common/background_thread.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <pthread.h>
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

TEST(BackgroundThreadTest, NamesTheCallingThreadCutTo15Bytes) {
  char name[32] = {};
  std::thread t([&] {
    NameThisThread("checkpoint-writer-12");
    ::pthread_getname_np(::pthread_self(), name, sizeof(name));
  });
  t.join();
  EXPECT_STREQ(name, "checkpoint-writ");
}

}  // namespace
}  // namespace riskflow
