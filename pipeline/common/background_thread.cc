#include "pipeline/common/background_thread.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pthread.h>

#include <cerrno>

namespace riskflow {

void DeprioritizeThisThread(int increment) {
  const id_t tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  // Best effort: a failure leaves the thread at its priority.
  (void)::setpriority(PRIO_PROCESS, tid, now + increment);
}

void NameThisThread(const std::string& name) {
  // The kernel refuses names over 15 bytes: cut rather than lose it.
  (void)::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace riskflow
