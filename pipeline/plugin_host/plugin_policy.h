// What a daemon (or replay) trusts to load as a plugin: the directories
// plugins resolve in, and optionally the exact builds an operator pinned.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_POLICY_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_POLICY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow::plugin_host {

struct PluginPolicy {
  PluginPolicy() = default;
  // Implicit on purpose: most callers only restrict the directories and
  // pass the search path as they always did.
  PluginPolicy(std::vector<std::string> dirs)  // NOLINT(runtime/explicit)
      : search_path(std::move(dirs)) {}

  // Trusted directories, in lookup order (see ResolvePluginPath).
  std::vector<std::string> search_path;
  // Builds (SHA-256 of the .so, lowercase hex) the operator allows,
  // whatever a pipeline says (riskflowd --plugin_allowlist); empty allows
  // any build on the path.
  std::vector<std::string> sha256_allowlist;
  // Where FILE parameters with a relative path resolve (docs/plugin-guide.md):
  // the directory of the pipeline file being loaded; "" = the working
  // directory.
  std::string file_param_dir;
};

// The directory FILE parameters resolve in for a pipeline read from
// `pipeline_file` (its dirname; "." for a bare file name), or "" when the
// pipeline did not come from a file ("<embedded default>", "", "-").
std::string FileParamDirFor(const std::string& pipeline_file);

// Reads an allowlist file: one SHA-256 (64 hex digits) per line; blank
// lines and '#' comments (whole-line or trailing) are ignored. Errors name
// the file and line.
absl::StatusOr<std::vector<std::string>> ReadPluginAllowlist(
    const std::string& path);

// Approves a build only if every non-empty list allows it: the operator's
// (`policy`) and the pipeline's own plugin_sha256_allowlist. A refusal
// names the file's actual hash and which list lacks it.
BuildApproval ApproveBuilds(const PluginPolicy& policy,
                            const riskflow::v1::PipelineConfig& config);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_POLICY_H_
