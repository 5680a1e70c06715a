// loaded_plugin.h — dlopen a built detector .so and return its descriptor,
// so one test binary can run the rule plugin next to the C++ plugin it
// mirrors (their _lib targets both define the entry symbol and cannot be
// linked together). Test / benchmark helper.
#ifndef RISKFLOW_PLUGINS_RULE_LOADED_PLUGIN_H_
#define RISKFLOW_PLUGINS_RULE_LOADED_PLUGIN_H_

#include <dlfcn.h>

#include <string>

#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace rule {

// nullptr (and *error) when the file cannot be loaded. The library stays
// loaded for the life of the process.
inline const rf_plugin_descriptor* LoadPlugin(const std::string& path,
                                              std::string* error) {
  const std::string full = path.find('/') == 0 ? path : "./" + path;
  void* handle = dlopen(full.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    *error = dlerror();
    return nullptr;
  }
  auto entry = reinterpret_cast<rf_plugin_entry_fn>(
      dlsym(handle, RF_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    *error = path + ": no " RF_PLUGIN_ENTRY_SYMBOL;
    return nullptr;
  }
  return entry();
}

// The argument ending in `suffix` (e.g. "/libvelocity.so"), or "".
inline std::string FindArg(int argc, char** argv, const std::string& suffix) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.size() >= suffix.size() &&
        a.compare(a.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return a;
    }
  }
  return "";
}

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_LOADED_PLUGIN_H_
