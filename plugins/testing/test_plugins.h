// Locates plugins in a Bazel test's runfiles, the way
// DefaultPluginSearchPath() does: $TEST_SRCDIR/riskflow/plugins/...
// Test-only; standard library only.
#ifndef RISKFLOW_PLUGINS_TESTING_TEST_PLUGINS_H_
#define RISKFLOW_PLUGINS_TESTING_TEST_PLUGINS_H_

#include <string>
#include <vector>

namespace riskflow::testing {

// $TEST_SRCDIR/riskflow/plugins (real detectors: velocity, ...).
std::string PluginsRoot();
// PluginsRoot()/testing/NAME/libNAME.so, for the plugins in plugins/testing.
std::string TestPluginPath(const std::string& name);
// PluginsRoot()/NAME/libNAME.so, for a real detector.
std::string RealPluginPath(const std::string& name);
// A search path finding both test plugins and real detectors by name.
std::vector<std::string> TestPluginSearchPath();

}  // namespace riskflow::testing

#endif  // RISKFLOW_PLUGINS_TESTING_TEST_PLUGINS_H_
