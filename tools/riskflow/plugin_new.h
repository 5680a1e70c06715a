// `riskflow plugin new NAME [--dir plugins]`: scaffolds a detector plugin
// folder that builds and passes its tests unchanged.
//
// The files come from the templates in tools/riskflow/templates/, raw
// strings with these placeholders:
//   {{name}}     the plugin name, e.g. login_burst
//   {{Class}}    the detector class, e.g. LoginBurstDetector
//   {{NAME}}     the reason code, e.g. LOGIN_BURST
//   {{package}}  the Bazel package of the new folder, e.g. plugins/login_burst
// plugins/hello_detector/ is checked in as generated; plugin_new_test fails
// when the templates and that folder differ (regenerate it then).
#ifndef RISKFLOW_TOOLS_RISKFLOW_PLUGIN_NEW_H_
#define RISKFLOW_TOOLS_RISKFLOW_PLUGIN_NEW_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::cli {

inline constexpr char kPluginNewUsage[] =
    "riskflow plugin new NAME [--dir plugins]\n"
    "  Creates DIR/NAME/ with a working detector (NAME_detector.cc: counts\n"
    "  events per account in a window, annotates above a threshold), its\n"
    "  BUILD.bazel, FakeHost unit tests (NAME_test.cc) and a README.md.\n"
    "  NAME: [a-z][a-z0-9_]*. Refuses a folder that already exists.\n";

// One file of a new plugin; path is relative to the plugin folder.
struct GeneratedFile {
  std::string path;
  std::string content;
};

// OK when name matches [a-z][a-z0-9_]* and is at most 64 characters;
// otherwise an InvalidArgument sentence quoting it.
absl::Status CheckPluginName(const std::string& name);

// "login_burst" -> "LoginBurstDetector"; "hello_detector" -> "HelloDetector"
// (no doubled suffix).
std::string DetectorClassName(const std::string& name);

// The rendered files for plugin `name` in Bazel package `package`, sorted
// by path. name must pass CheckPluginName.
std::vector<GeneratedFile> RenderPluginFiles(const std::string& name,
                                             const std::string& package);

struct PluginNewOptions {
  std::string name;
  // Parent folder; relative paths are taken from where `bazel run` was
  // started when run that way ($BUILD_WORKING_DIRECTORY).
  std::string dir = "plugins";
};

absl::StatusOr<PluginNewOptions> ParsePluginNewArgs(
    const std::vector<std::string>& args);

// Writes the folder (all files or none), prints what it created and the
// next commands.
int RunPluginNew(const PluginNewOptions& options, std::ostream& out,
                 std::ostream& err);

int PluginNewMain(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PLUGIN_NEW_H_
