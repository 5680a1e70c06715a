#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/velocity/velocity_detector.h"

namespace riskflow {
namespace velocity {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

FakeEvent Payout(const std::string& id, int64_t t,
                 const std::string& account = "acc1") {
  return FakeEvent().Id(id).Type(RF_EVENT_PAYOUT).At(t).Account(account);
}

class VelocityTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  // Feeds and returns the annotations, failing the test on a detector error.
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

// Counterparty and device entities span accounts: velocity asks the host
// to run it on the shard owning them (docs/keyed-stages.md).
TEST(VelocityPartitionTest, DeclaresTheKeyItCountsBy) {
  const std::map<std::string, rf_partition_key> want = {
      {"account", RF_PARTITION_ACCOUNT},
      {"account_counterparty", RF_PARTITION_ACCOUNT},
      {"counterparty", RF_PARTITION_COUNTERPARTY},
      {"device", RF_PARTITION_DEVICE}};
  for (const auto& [key, partition] : want) {
    FakeHost host(riskflow_plugin_descriptor_v1());
    ASSERT_TRUE(host.Create({{"key", key}}).ok()) << host.last_error();
    EXPECT_EQ(host.partition_key(), partition) << key;
  }
}

TEST_F(VelocityTest, FiresAboveTheLimitWithExactEvidence) {
  Start({{"max_events", "5"}, {"types", "PAYOUT,PAYMENT"}});
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(Feed(Payout("p" + std::to_string(i), 1000 * i)).empty());
  }
  std::vector<FakeAnnotation> out = Feed(
      FakeEvent().Id("p5").Type(RF_EVENT_PAYMENT).At(5000).Account("acc1"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "velocity");
  EXPECT_EQ(out[0].reason_code, "VELOCITY");
  EXPECT_DOUBLE_EQ(out[0].score, 0.6);  // 6 / (2 * 5)
  EXPECT_EQ(out[0].message,
            "6 PAYOUT/PAYMENT events in 1m, above the limit of 5");
  EXPECT_EQ(out[0].evidence,
            (std::vector<std::pair<std::string, std::string>>{
                {"count", "6"}, {"window_ms", "60000"}, {"max_events", "5"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);

  out = Feed(Payout("p6", 6000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("count"), "7");
  EXPECT_EQ(out[0].message,
            "7 PAYOUT/PAYMENT events in 1m, above the limit of 5");
}

TEST_F(VelocityTest, ExactlyAtTheLimitDoesNotFire) {
  Start({{"max_events", "3"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Feed(Payout("p" + std::to_string(i), i)).empty());
  }
  // A different account has its own count.
  EXPECT_TRUE(Feed(Payout("q", 3, "acc2")).empty());
}

TEST_F(VelocityTest, OtherTypesAndAccountlessEventsAreIgnored) {
  Start({{"max_events", "2"}, {"types", "PAYOUT"}});
  for (int i = 0; i < 10; ++i) {
    std::string id = "x" + std::to_string(i);
    EXPECT_TRUE(
        Feed(FakeEvent().Id(id).Type(RF_EVENT_PAYMENT).At(i).Account("acc1"))
            .empty());
    EXPECT_TRUE(
        Feed(FakeEvent().Id(id).Type(RF_EVENT_LOGIN).At(i).Account("acc1"))
            .empty());
    EXPECT_TRUE(Feed(Payout("n" + std::to_string(i), i, "")).empty());
  }
  EXPECT_TRUE(Feed(Payout("p1", 20)).empty());
  EXPECT_TRUE(Feed(Payout("p2", 21)).empty());
  EXPECT_EQ(Feed(Payout("p3", 22)).size(), 1u);
}

TEST_F(VelocityTest, OldEventsAgeOutAtBucketGranularity) {
  Start({{"max_events", "5"}, {"window", "1m"}, {"bucket", "1s"}});
  for (int i = 0; i < 5; ++i) Feed(Payout("p" + std::to_string(i), i));
  // t = 60999: window [1000, 60999] -> buckets 1..60; bucket 0 is gone.
  EXPECT_TRUE(Feed(Payout("late", 60999)).empty());
  // t = 59999 (arriving out of order): window [0, 59999] -> buckets 0..59
  // holds the first five (bucket 0) and itself; "late" (bucket 60) is not.
  std::vector<FakeAnnotation> out = Feed(Payout("edge", 59999));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("count"), "6");
}

TEST_F(VelocityTest, ScoreIsCappedAtOne) {
  Start({{"max_events", "1"}});
  Feed(Payout("a", 0));
  Feed(Payout("b", 1));                                    // 2 / 2 = 1
  std::vector<FakeAnnotation> out = Feed(Payout("c", 2));  // 3 / 2 -> 1
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].score, 1.0);
}

TEST_F(VelocityTest, DefaultsAreNormalised) {
  Start({});
  EXPECT_EQ(host_.params().AsMap(), (std::map<std::string, std::string>{
                                        {"max_events", "10"},
                                        {"window", "60000ms"},
                                        {"bucket", "1000ms"},
                                        {"types", "PAYMENT,PAYOUT,TRANSFER"},
                                        {"key", "account"}}));
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(VelocityParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"max_events", "ten"}}),
            "parameter 'max_events': expected an integer, got 'ten'");
  EXPECT_EQ(CreateError({{"max_events", "0"}}),
            "parameter 'max_events': 0 is out of range [1, 1000000000]");
  EXPECT_EQ(CreateError({{"window", "500ms"}}),
            "parameter 'window': 500ms is out of range [1s, 30d]");
  EXPECT_EQ(CreateError({{"window", "31d"}}),
            "parameter 'window': 31d is out of range [1s, 30d]");
  EXPECT_EQ(CreateError({{"bucket", "2m"}}),
            "parameter 'bucket': 2m is longer than the window of 1m");
  EXPECT_EQ(CreateError({{"types", "PAYOUT,WIRE"}}),
            "parameter 'types': unknown event type 'WIRE'; known types are "
            "PAYMENT, PAYOUT, TRANSFER, REFUND, LOGIN, AUTH_FAILURE, "
            "PROFILE_CHANGE, BALANCE_SNAPSHOT, DEPOSIT");
  EXPECT_EQ(CreateError({{"max_evnts", "3"}}),
            "parameter 'max_evnts': unknown parameter; expected one of: "
            "max_events, window, bucket, types, key, windows, sum_limits");
}

}  // namespace
}  // namespace velocity
}  // namespace riskflow
