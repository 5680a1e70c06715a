// file_params.h — the host half of FILE parameters (ABI 1.2): resolve the
// path a pipeline gives, read the file within a size bound, and hand the
// plugin the contents instead of the path. Used by the real host
// (pipeline/plugin_host) and the fake host, so a unit test refuses exactly
// what production refuses. Standard library only; hashing is the caller's.
#ifndef RISKFLOW_PLUGINS_SDK_FILE_PARAMS_H_
#define RISKFLOW_PLUGINS_SDK_FILE_PARAMS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "plugins/sdk/param_parse.h"
#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace sdk {

// The host-wide cap on one FILE parameter. A plugin may declare a lower one
// (has_range, max in bytes); never a higher one.
inline constexpr uint64_t kMaxFileParamBytes = 16ull << 20;

// One FILE parameter after loading.
struct LoadedFileParam {
  std::string param;     // parameter name
  std::string path;      // as written in the pipeline
  std::string resolved;  // the path actually opened
  std::string contents;  // what the plugin receives (also in the params)
};

// The path a FILE parameter opens: absolute paths as they are, relative ones
// under base_dir (the pipeline file's directory; "" = the working
// directory).
std::string ResolveFileParamPath(const std::string& path,
                                 const std::string& base_dir);

// For every FILE parameter present in *params: resolves its path, refuses a
// missing, unreadable, non-regular or oversized file, and replaces the
// value's text by the contents (int_value and double_value = the size).
// On failure returns false and sets *error to a sentence naming the
// parameter and both paths, e.g.
//   parameter 'model': cannot read /etc/rf/model.json (from "model.json"):
//   No such file or directory
// The caller prefixes the detector name.
bool LoadFileParams(const rf_param_spec* specs, size_t count,
                    const std::string& base_dir, ParsedParams* params,
                    std::vector<LoadedFileParam>* files, std::string* error);

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_FILE_PARAMS_H_
