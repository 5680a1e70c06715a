#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_LOADER_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_LOADER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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
      const std::string& path);
  LoadedPlugin() = default;

  void* handle_ = nullptr;
  const rf_plugin_descriptor* descriptor_ = nullptr;
  std::string path_;
  std::string build_id_;
};

// Opens and checks a plugin. Every refusal names the file and the problem:
// missing file, dlopen error, missing entry symbol, struct too small, ABI
// major mismatch or minor too new, missing name/version/callbacks, or a
// malformed parameter schema.
absl::StatusOr<std::shared_ptr<LoadedPlugin>> LoadPlugin(
    const std::string& path);

// Finds a plugin named in a pipeline: an absolute or relative path ending
// in ".so" is used as is; a bare name NAME is looked up in each search
// directory as NAME/libNAME.so, then libNAME.so.
absl::StatusOr<std::string> ResolvePluginPath(
    const std::string& plugin, const std::vector<std::string>& search_dirs);

// The default search path: $RISKFLOW_PLUGIN_PATH (colon-separated), then
// the plugins/ folder next to the running binary in a Bazel tree (runfiles
// or bazel-bin), then /usr/lib/riskflow/plugins.
std::vector<std::string> DefaultPluginSearchPath();

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_LOADER_H_
