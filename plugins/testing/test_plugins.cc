#include "plugins/testing/test_plugins.h"

#include <cstdlib>

namespace riskflow::testing {

std::string PluginsRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return std::string(srcdir != nullptr ? srcdir : ".") + "/riskflow/plugins";
}

std::string TestPluginPath(const std::string& name) {
  return PluginsRoot() + "/testing/" + name + "/lib" + name + ".so";
}

std::string RealPluginPath(const std::string& name) {
  return PluginsRoot() + "/" + name + "/lib" + name + ".so";
}

std::vector<std::string> TestPluginSearchPath() {
  return {PluginsRoot() + "/testing", PluginsRoot()};
}

}  // namespace riskflow::testing
