// One call into a plugin's C entry point, with whatever it throws caught.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_CALL_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_CALL_H_

#include <exception>
#include <string>

#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow::plugin_host {

// Runs `call` (returning rf_status). A plugin built without the SDK's
// barrier can throw through the C ABI; catching here costs nothing until
// it happens and turns a certain std::terminate into a contained fault.
// What escaped is described in *escaped (left empty when nothing did),
// and the result is then RF_ERROR.
template <typename Call>
rf_status CallPlugin(const Call& call, std::string* escaped) {
  try {
    return call();
  } catch (const std::exception& e) {
    *escaped = e.what();
    if (escaped->empty()) *escaped = "std::exception";
  } catch (...) {
    *escaped = "an exception that is not a std::exception";
  }
  return RF_ERROR;
}

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_CALL_H_
