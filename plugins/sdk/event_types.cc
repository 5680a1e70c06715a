#include "plugins/sdk/event_types.h"

namespace riskflow {
namespace sdk {
namespace {

// Mirrors the enum; EventTypeFromName in riskflow_sdk.h is the reverse.
constexpr const char* kTypeNames[] = {
    "PAYMENT",      "PAYOUT",         "TRANSFER",         "REFUND",  "LOGIN",
    "AUTH_FAILURE", "PROFILE_CHANGE", "BALANCE_SNAPSHOT", "DEPOSIT",
};

}  // namespace

std::string EventTypeFilter::Joined(const char* separator) const {
  std::string out;
  for (const std::string& n : names_) {
    if (!out.empty()) out += separator;
    out += n;
  }
  return out;
}

std::string KnownEventTypeNames() {
  std::string out;
  for (const char* n : kTypeNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

Status ParseEventTypes(const Params& params, const char* param,
                       EventTypeFilter* out) {
  std::string where = std::string("parameter '") + param + "': ";
  EventTypeFilter filter;
  filter.wanted_.assign(RF_EVENT_DEPOSIT + 1, false);
  for (const std::string& name : params.List(param)) {
    rf_event_type t = EventTypeFromName(name);
    if (t == RF_EVENT_UNSPECIFIED) {
      return Status::Error(where + "unknown event type '" + name +
                           "'; known types are " + KnownEventTypeNames());
    }
    if (filter.wanted_[t]) {
      return Status::Error(where + "event type '" + name + "' listed twice");
    }
    filter.wanted_[t] = true;
    filter.names_.push_back(name);
  }
  if (filter.names_.empty()) {
    return Status::Error(where + "needs at least one event type");
  }
  *out = std::move(filter);
  return Status::Ok();
}

}  // namespace sdk
}  // namespace riskflow
