#include "plugins/sdk/hint_check.h"

#include <vector>

namespace riskflow {
namespace sdk {

HintCheck FeedCheckingHints(FakeHost& host, const FakeEvent& event) {
  HintCheck out;
  std::vector<std::string> hinted;
  out.hints = host.EntityHints(event, &hinted);
  out.declined = host.hints_declined();
  out.hinted.insert(hinted.begin(), hinted.end());
  host.set_trace([&out](const FakeHostCall& call) {
    if (call.keyed) out.touched.insert(call.entity);
  });
  out.fed = host.Feed(event);
  host.set_trace(nullptr);
  return out;
}

namespace {

std::string Join(const std::set<std::string>& s) {
  std::string out = "{";
  for (const std::string& e : s) {
    if (out.size() > 1) out += ", ";
    out += "\"" + e + "\"";
  }
  return out + "}";
}

}  // namespace

std::string CheckHintsOverStream(FakeHost& host,
                                 const std::vector<FakeEvent>& events,
                                 size_t* hinted_events) {
  std::string out;
  size_t hinted = 0;
  for (const FakeEvent& e : events) {
    HintCheck c = FeedCheckingHints(host, e);
    if (!c.hinted.empty()) ++hinted;
    if (!c.hints.ok() || !c.fed.ok()) {
      out += e.event_id + ": " + c.hints.message() + " " + c.fed.message() +
             "\n";
    } else if (c.declined) {
      for (const std::string& t : c.touched) {
        if (t != e.account_id) {
          out += e.event_id + ": declined hints but touched \"" + t + "\"\n";
        }
      }
    } else if (c.hinted != c.touched) {
      out += e.event_id + ": hinted " + Join(c.hinted) + ", touched " +
             Join(c.touched) + "\n";
    }
  }
  if (hinted_events != nullptr) *hinted_events = hinted;
  return out;
}

}  // namespace sdk
}  // namespace riskflow
