// fake_host_callbacks.h — internal to the fake host: the rf_host_api table
// whose callbacks operate on a FakeHost, split out of fake_host.cc to keep
// each file to one job. Not for detector code.
#ifndef RISKFLOW_PLUGINS_SDK_FAKE_HOST_CALLBACKS_H_
#define RISKFLOW_PLUGINS_SDK_FAKE_HOST_CALLBACKS_H_

#include <string>
#include <vector>

#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace sdk {

class FakeHost;

namespace fake_host_internal {

// The function table handed to create(); every callback finds its FakeHost
// through the context pointer.
rf_host_api MakeHostApi();

// MakeHostApi() wrapped so each call is also reported to the host's trace
// sink (FakeHost::set_trace); what FakeHost hands to plugins.
// Defined in fake_host_trace.cc.
rf_host_api MakeTracingHostApi();

// The sink handed to entity_hints: hint_entity appends to *out.
rf_hint_sink* HintSinkFor(std::vector<std::string>* out);

// The host whose create() / on_event() is running on this thread, or null;
// log(NULL, ...) goes there.
FakeHost* CurrentHost();

// Makes host the target of log(NULL, ...) on this thread while in scope.
class CurrentHostScope {
 public:
  explicit CurrentHostScope(FakeHost* host);
  ~CurrentHostScope();
  CurrentHostScope(const CurrentHostScope&) = delete;
  CurrentHostScope& operator=(const CurrentHostScope&) = delete;

 private:
  FakeHost* saved_;
};

}  // namespace fake_host_internal
}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_FAKE_HOST_CALLBACKS_H_
