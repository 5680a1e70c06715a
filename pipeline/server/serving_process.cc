#include "pipeline/server/serving_process.h"

#include "absl/synchronization/mutex.h"

namespace riskflow::server {

void ConfigureServingProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace riskflow::server
