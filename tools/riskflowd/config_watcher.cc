#include "tools/riskflowd/config_watcher.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace riskflow {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

ConfigWatcher::ConfigWatcher(server::Daemon* daemon, std::string path,
                             std::string loaded_content,
                             absl::Duration interval)
    : daemon_(daemon),
      path_(std::move(path)),
      last_content_(std::move(loaded_content)),
      interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

ConfigWatcher::~ConfigWatcher() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void ConfigWatcher::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
    }
    CheckOnce();
  }
}

void ConfigWatcher::CheckOnce() {
  std::string content = ReadFileOrEmpty(path_);
  // An editor may truncate before writing: wait for a non-empty file.
  if (content.empty() || content == last_content_) return;
  last_content_ = content;
  auto result = daemon_->Reload(content, path_, /*dry_run=*/false);
  if (!result.ok()) {
    std::fprintf(stderr, "riskflowd: %s changed but was refused: %s\n",
                 path_.c_str(), std::string(result.status().message()).c_str());
  } else if (result->unchanged()) {
    std::fprintf(stderr, "riskflowd: %s changed; same pipeline version\n",
                 path_.c_str());
  }
}

}  // namespace riskflow
