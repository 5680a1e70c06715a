#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_LOADER_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_LOADER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/plugin_host/plugin_path.h"
#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow::plugin_host {

// A detector shared library, opened RTLD_LOCAL and checked against the ABI.
// Closing it (dlclose) happens when the last reference goes away, after
// every instance created from it was destroyed.
class LoadedPlugin {
 public:
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const rf_plugin_descriptor& descriptor() const { return *descriptor_; }
  const std::string& path() const { return path_; }
  // SHA-256 of the .so file: identifies the exact build in decisions.
  const std::string& build_id() const { return build_id_; }

 private:
  friend absl::StatusOr<std::shared_ptr<LoadedPlugin>> LoadPlugin(
      const std::string& path,
      const std::function<absl::Status(const std::string&)>& approve);
  LoadedPlugin() = default;

  void* handle_ = nullptr;
  // The descriptor dlopen() was given as /proc/self/fd/<fd_> (see
  // plugin_image.h); open while the library is loaded.
  int fd_ = -1;
  std::string open_name_;
  const rf_plugin_descriptor* descriptor_ = nullptr;
  std::string path_;
  std::string build_id_;
};

// Decides whether a plugin build (the file's lowercase hex SHA-256) may be
// loaded; an error refuses it. See PluginPolicy.
using BuildApproval = std::function<absl::Status(const std::string& sha256)>;

// Opens and checks a plugin. Every refusal names the file and the problem:
// missing or not a regular file, size out of bounds, not a loadable ELF
// shared library for this host (elf_check.h: truncated, wrong machine, no
// entry symbol, ...), a build `approve` refuses, dlopen error, struct too
// small, ABI major mismatch or minor too new, missing name/version/
// callbacks, or a malformed parameter schema.
//
// The file is read once; the check, the build id (SHA-256) and dlopen()
// all see those same bytes: dlopen() maps a sealed in-memory copy, so the
// file changing or being truncated afterwards can neither crash the daemon
// (SIGBUS) nor load a build other than the one checked and recorded (see
// docs/plugin-loading.md).
absl::StatusOr<std::shared_ptr<LoadedPlugin>> LoadPlugin(
    const std::string& path, const BuildApproval& approve = nullptr);

// The default search path: $RISKFLOW_PLUGIN_PATH (colon-separated), then
// the plugins/ folder next to the running binary in a Bazel tree (runfiles
// or bazel-bin), then /usr/lib/riskflow/plugins.
std::vector<std::string> DefaultPluginSearchPath();

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_LOADER_H_
