#include "plugins/sdk/hint_check.h"

#include <vector>

namespace riskflow {
namespace sdk {

HintCheck FeedCheckingHints(FakeHost& host, const FakeEvent& event) {
  HintCheck out;
  std::vector<std::string> hinted;
  out.hints = host.EntityHints(event, &hinted);
  out.hinted.insert(hinted.begin(), hinted.end());
  host.set_trace([&out](const FakeHostCall& call) {
    if (call.keyed) out.touched.insert(call.entity);
  });
  out.fed = host.Feed(event);
  host.set_trace(nullptr);
  return out;
}

}  // namespace sdk
}  // namespace riskflow
