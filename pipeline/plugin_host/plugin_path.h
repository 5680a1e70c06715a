// Which files a pipeline may load as detector plugins.
//
// A pipeline (a --config file, or YAML a client sends to ReloadPipeline)
// names each detector's plugin. The name may only resolve to a file inside
// one of the configured plugin directories (riskflowd --plugin_path,
// $RISKFLOW_PLUGIN_PATH, the built-in locations): whoever can reach the
// Admin port must not be able to make the daemon dlopen() — and so run the
// constructor of — a library of their choosing. See docs/plugin-loading.md.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_PATH_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace riskflow::plugin_host {

// Finds the file a pipeline's `plugin:` names, only inside `search_dirs`:
//   NAME               DIR/NAME/libNAME.so, then DIR/libNAME.so
//   FILE.so            DIR/FILE.so
//   sub/dir/FILE.so    DIR/sub/dir/FILE.so (relative to a plugin directory,
//                      never to the working directory)
//   /abs/path/FILE.so  accepted only when it lies inside a plugin directory
// for each DIR in order; the first existing file wins. Refused, before any
// file is opened: "." or ".." components, empty components, NUL bytes, an
// absolute path outside every plugin directory, and a path that leaves its
// plugin directory through a symlinked directory (a symlink as the file
// itself is followed: it is the operator's own deployment, e.g. Bazel
// runfiles or libx.so -> libx.so.2). PERMISSION_DENIED names the path and
// the allowed directories; NOT_FOUND lists every path tried.
absl::StatusOr<std::string> ResolvePluginPath(
    const std::string& plugin, const std::vector<std::string>& search_dirs);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_PATH_H_
