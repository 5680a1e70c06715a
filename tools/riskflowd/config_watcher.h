#ifndef RISKFLOW_TOOLS_RISKFLOWD_CONFIG_WATCHER_H_
#define RISKFLOW_TOOLS_RISKFLOWD_CONFIG_WATCHER_H_

#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/server/daemon.h"

namespace riskflow {

// Watches the --config file and hot-reloads the pipeline when its content
// changes (polling: portable, and a config changes rarely). A version that
// fails validation is logged and the running one stays; the next change
// is tried again.
class ConfigWatcher {
 public:
  ConfigWatcher(server::Daemon* daemon, std::string path,
                std::string loaded_content, absl::Duration interval);
  ~ConfigWatcher();  // stops the thread

 private:
  void Loop();
  void CheckOnce();

  server::Daemon* daemon_;
  const std::string path_;
  std::string last_content_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The file's content, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace riskflow

#endif  // RISKFLOW_TOOLS_RISKFLOWD_CONFIG_WATCHER_H_
