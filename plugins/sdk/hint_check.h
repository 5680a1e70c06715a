// hint_check.h — detector tests for ABI 1.3's entity hints: feeds an event
// and reports the entities its on_event touched next to those its
// entity_hints named for it beforehand, so a test can require them equal:
//
//   HintCheck c = FeedCheckingHints(host, FakeEvent().Id("e1")...);
//   ASSERT_TRUE(c.fed.ok());
//   EXPECT_EQ(c.hinted, c.touched);
#ifndef RISKFLOW_PLUGINS_SDK_HINT_CHECK_H_
#define RISKFLOW_PLUGINS_SDK_HINT_CHECK_H_

#include <set>
#include <string>
#include <vector>

#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace sdk {

struct HintCheck {
  std::set<std::string> hinted;   // what entity_hints named (before on_event)
  std::set<std::string> touched;  // every entity on_event gave a state call
  Status hints;                   // EntityHints' result
  Status fed;                     // Feed's result
  // The instance answered "never hints" (FakeHost::hints_declined): then
  // it may touch only the event's account, which the host prefetches.
  bool declined = false;
};

// Replaces the host's trace sink (set_trace) for the Feed and clears it
// afterwards.
HintCheck FeedCheckingHints(FakeHost& host, const FakeEvent& event);

// FeedCheckingHints over a stream, in order. "" when, for every event,
// the hints were exactly the entities touched (for an instance that
// declined hints: it touched nothing but the account) and both calls
// succeeded;
// otherwise one line per event that differed, naming both sets.
// *hinted_events (optional): how many events had any hint.
std::string CheckHintsOverStream(FakeHost& host,
                                 const std::vector<FakeEvent>& events,
                                 size_t* hinted_events = nullptr);

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_HINT_CHECK_H_
