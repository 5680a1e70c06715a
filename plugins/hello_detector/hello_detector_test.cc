// Unit tests on the fake host (plugins/sdk/fake_host.h): no daemon, the
// same window semantics as riskflowd.
//   bazel test //plugins/hello_detector:hello_detector_test
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"

namespace {

using riskflow::sdk::FakeAnnotation;
using riskflow::sdk::FakeEvent;
using riskflow::sdk::FakeHost;

FakeEvent Payment(const std::string& id, int64_t t_ms,
                  const std::string& account = "acct-1") {
  return FakeEvent().Id(id).Type(RF_EVENT_PAYMENT).At(t_ms).Account(account);
}

class HelloDetectorTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  // The annotations for one event; a detector error fails the test.
  std::vector<FakeAnnotation> Feed(const FakeEvent& event) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(event, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(HelloDetectorTest, AnnotatesAboveTheLimit) {
  Start({{"max_events", "2"}});
  EXPECT_TRUE(Feed(Payment("e1", 1000)).empty());
  EXPECT_TRUE(Feed(Payment("e2", 2000)).empty());
  std::vector<FakeAnnotation> out = Feed(Payment("e3", 3000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "hello_detector");
  EXPECT_EQ(out[0].reason_code, "HELLO_DETECTOR");
  EXPECT_DOUBLE_EQ(out[0].score, 0.75);  // 3 / (2 * max_events)
  EXPECT_EQ(out[0].message, "3 events in 10m, above the limit of 2");
  EXPECT_EQ(out[0].evidence,
            (std::vector<std::pair<std::string, std::string>>{
                {"count", "3"}, {"window_ms", "600000"}, {"max_events", "2"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
}

TEST_F(HelloDetectorTest, CountsEachAccountSeparately) {
  Start({{"max_events", "1"}});
  EXPECT_TRUE(Feed(Payment("e1", 1000, "acct-1")).empty());
  EXPECT_TRUE(Feed(Payment("e2", 1000, "acct-2")).empty());
  EXPECT_TRUE(Feed(Payment("e3", 1000, "")).empty());  // no account: skipped
  EXPECT_EQ(Feed(Payment("e4", 2000, "acct-2")).size(), 1u);
}

TEST_F(HelloDetectorTest, OldEventsLeaveTheWindow) {
  Start({{"max_events", "2"}, {"window", "1m"}});
  Feed(Payment("e1", 0));
  Feed(Payment("e2", 500));
  EXPECT_EQ(Feed(Payment("e3", 30000)).size(), 1u);  // 3 in the window
  // At t = 61000 the window covers seconds 1..61: e1 and e2 are out.
  EXPECT_TRUE(Feed(Payment("e4", 61000)).empty());
}

TEST_F(HelloDetectorTest, CountsOnlyTheConfiguredType) {
  Start({{"max_events", "1"}, {"event_type", "PAYOUT"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Feed(Payment("p" + std::to_string(i), 1000 + i)).empty());
  }
  FakeEvent payout = FakeEvent().Type(RF_EVENT_PAYOUT).At(2000).Account("a");
  EXPECT_TRUE(Feed(payout.Id("o1")).empty());
  EXPECT_EQ(Feed(payout.Id("o2")).size(), 1u);
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  return host.Create(params).message();
}

TEST(HelloDetectorParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"max_events", "0"}}),
            "parameter 'max_events': 0 is out of range [1, 1000000000]");
  EXPECT_EQ(CreateError({{"window", "10"}}),
            "parameter 'window': 10ms is out of range [1s, 30d]");
  EXPECT_EQ(CreateError({{"event_type", "WIRE"}}),
            "parameter 'event_type': unknown event type 'WIRE'");
  EXPECT_EQ(CreateError({{"max_evnts", "3"}}),
            "parameter 'max_evnts': unknown parameter; expected one of: "
            "max_events, window, event_type");
}

}  // namespace
