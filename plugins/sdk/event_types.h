// event_types.h — the "types" parameter most detectors take: a LIST of event
// type names ("PAYMENT,PAYOUT") turned into a filter, refusing unknown names
// with a message that names the parameter. Standard library only.
#ifndef RISKFLOW_PLUGINS_SDK_EVENT_TYPES_H_
#define RISKFLOW_PLUGINS_SDK_EVENT_TYPES_H_

#include <string>
#include <vector>

#include "plugins/sdk/riskflow_plugin.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {

class EventTypeFilter {
 public:
  bool Contains(rf_event_type t) const {
    return t > 0 && static_cast<size_t>(t) < wanted_.size() && wanted_[t];
  }
  // The names as configured, in order, e.g. {"PAYOUT", "PAYMENT"}.
  const std::vector<std::string>& names() const { return names_; }
  // "PAYOUT/PAYMENT", for messages.
  std::string Joined(const char* separator = "/") const;

 private:
  friend Status ParseEventTypes(const Params&, const char*, EventTypeFilter*);
  std::vector<bool> wanted_;  // indexed by rf_event_type
  std::vector<std::string> names_;
};

// Reads LIST parameter `param` into *out. Refuses an empty list, unknown
// names ("parameter 'types': unknown event type 'PAYOTU'; known types are
// PAYMENT, PAYOUT, ...") and repeats.
Status ParseEventTypes(const Params& params, const char* param,
                       EventTypeFilter* out);

// The canonical names, in enum order ("PAYMENT, PAYOUT, ...").
std::string KnownEventTypeNames();

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_EVENT_TYPES_H_
