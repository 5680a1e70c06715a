// Tests for what velocity gained after 1.0: several count windows, amount
// sums per currency, entity keys, and their parameter checks. The 1.0
// behaviour is pinned by velocity_test.cc.
#include <map>
#include <string>
#include <utility>
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
using Evidence = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;

FakeEvent Payout(const std::string& id, int64_t t, int64_t minor = 100,
                 const std::string& currency = "CNY",
                 const std::string& account = "acc1") {
  return FakeEvent()
      .Id(id)
      .Type(RF_EVENT_PAYOUT)
      .At(t)
      .Account(account)
      .Amount(minor, currency);
}

class VelocityWindowsTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  // Feeds and expects no annotation.
  void Quiet(const FakeEvent& e) { EXPECT_TRUE(Feed(e).empty()) << e.event_id; }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(VelocityWindowsTest, ShortWindowFiresWithExactEvidence) {
  Start({{"windows", "1h:5, 1m:3"}, {"types", "PAYOUT"}});
  for (int i = 0; i < 3; ++i) Quiet(Payout("p" + std::to_string(i), i));
  std::vector<FakeAnnotation> out = Feed(Payout("p3", 30 * kSecond));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "VELOCITY");
  EXPECT_DOUBLE_EQ(out[0].score, 4.0 / 6.0);
  EXPECT_EQ(out[0].message, "4 PAYOUT events in 1m, above the limit of 3");
  EXPECT_EQ(out[0].evidence, (Evidence{{"count", "4"},
                                       {"window_ms", "60000"},
                                       {"max_events", "3"},
                                       {"exceeded_windows", "1m"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);
}

TEST_F(VelocityWindowsTest, LongWindowFiresWhenTheShortOneIsQuiet) {
  Start({{"windows", "1m:3,1h:5"}});
  // Two minutes apart: never more than one in a minute.
  for (int i = 0; i < 5; ++i) {
    Quiet(Payout("p" + std::to_string(i), i * 2 * kMinute));
  }
  std::vector<FakeAnnotation> out = Feed(Payout("p5", 10 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].evidence, (Evidence{{"count", "6"},
                                       {"window_ms", "3600000"},
                                       {"max_events", "5"},
                                       {"exceeded_windows", "1h"}}));
}

TEST_F(VelocityWindowsTest, MostSevereWindowIsReportedOnce) {
  Start({{"windows", "1m:2,1h:4"}});
  for (int i = 0; i < 4; ++i) Feed(Payout("p" + std::to_string(i), i));
  // 5 in 1m (2.5x the limit) beats 5 in 1h (1.25x); one annotation names
  // both exceeded windows.
  std::vector<FakeAnnotation> out = Feed(Payout("p4", 4));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_ms"), "60000");
  EXPECT_EQ(out[0].Evidence("exceeded_windows"), "1m,1h");
}

TEST_F(VelocityWindowsTest, TieGoesToTheShorterWindow) {
  Start({{"windows", "2m:2,1m:2"}});
  Feed(Payout("p0", 0));
  Feed(Payout("p1", 1));
  std::vector<FakeAnnotation> out = Feed(Payout("p2", 2));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_ms"), "60000");
  EXPECT_EQ(out[0].Evidence("exceeded_windows"), "1m,2m");
}

TEST_F(VelocityWindowsTest, NearMissesAtTheLimitAndOutsideTheWindow) {
  Start({{"windows", "1m:2,1h:10"}});
  Quiet(Payout("p0", 0));
  Quiet(Payout("p1", kSecond));
  // t = 61s: the window [1001, 61000] no longer holds bucket 0 (p0), so the
  // count is 2, at (not above) the limit.
  Quiet(Payout("p2", 61 * kSecond));
  // Other accounts have their own counts.
  Quiet(Payout("q0", 62 * kSecond, 100, "CNY", "acc2"));
}

// The window is (t - 1m, t] counted in whole 1 s buckets (docs/windows.md).
// At t = 60999 it starts exactly at a bucket (1000), so the edge is exact:
// an event at t - 1m = 999 is outside, one at 1000 inside, and an event in
// t's own millisecond counts.
TEST_F(VelocityWindowsTest, CountWindowEdgeIsHalfOpen) {
  Start({{"windows", "1m:1"}, {"bucket", "1s"}});
  Quiet(Payout("o0", 999, 100, "CNY", "out"));
  Quiet(Payout("o1", 60999, 100, "CNY", "out"));
  Quiet(Payout("i0", 1000, 100, "CNY", "in"));
  std::vector<FakeAnnotation> out = Feed(Payout("i1", 60999, 100, "CNY", "in"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("count"), "2");
  Quiet(Payout("s0", 5000, 100, "CNY", "same"));
  EXPECT_EQ(Feed(Payout("s1", 5000, 100, "CNY", "same")).size(), 1u);
}

TEST_F(VelocityWindowsTest, SumWindowEdgeIsHalfOpen) {
  Start({{"sum_limits", "1m:CNY:100"}, {"bucket", "1s"}});
  Quiet(Payout("o0", 999, 100, "CNY", "out"));
  Quiet(Payout("o1", 60999, 1, "CNY", "out"));
  Quiet(Payout("i0", 1000, 100, "CNY", "in"));
  std::vector<FakeAnnotation> out = Feed(Payout("i1", 60999, 1, "CNY", "in"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("sum_minor"), "101");
  Quiet(Payout("s0", 5000, 100, "CNY", "same"));
  EXPECT_EQ(Feed(Payout("s1", 5000, 1, "CNY", "same")).size(), 1u);
}

// Where the window does not start on a bucket the oldest bucket is counted
// whole: the farthest an event can reach back is window + bucket - 2 ms
// (t - window + 1 in the last ms of its bucket).
TEST_F(VelocityWindowsTest, OldestBucketIsCountedWhole) {
  Start({{"windows", "1m:1"}, {"bucket", "1s"}});
  Quiet(Payout("a0", 0, 100, "CNY", "a"));
  // (998, 60998]: bucket(999) = 0 holds a0, 60998 ms old.
  EXPECT_EQ(Feed(Payout("a1", 60998, 100, "CNY", "a")).size(), 1u);
  Quiet(Payout("b0", 0, 100, "CNY", "b"));
  Quiet(Payout("b1", 60999, 100, "CNY", "b"));  // (999, 60999]: from 1000
}

// With a 1 ms bucket the window is exact at every t.
TEST_F(VelocityWindowsTest, OneMillisecondBucketsAreExact) {
  Start({{"windows", "1m:1"}, {"bucket", "1ms"}});
  Quiet(Payout("c0", 0, 100, "CNY", "c"));
  Quiet(Payout("c1", 60000, 100, "CNY", "c"));  // exactly 1m: outside
  Quiet(Payout("d0", 1, 100, "CNY", "d"));
  EXPECT_EQ(Feed(Payout("d1", 60000, 100, "CNY", "d")).size(), 1u);
}

TEST_F(VelocityWindowsTest, BucketMayExceedTheUnusedLegacyWindow) {
  // With `windows`, `window` (1m by default) is not used, so a 5m bucket is
  // fine as long as every listed window is a multiple of it.
  Start({{"windows", "1h:2"}, {"bucket", "5m"}});
  Quiet(Payout("p0", 0));
  Quiet(Payout("p1", 59 * kMinute));
  EXPECT_EQ(Feed(Payout("p2", 59 * kMinute + 1)).size(), 1u);
}

TEST_F(VelocityWindowsTest, SumAboveTheLimitFiresWithExactEvidence) {
  Start({{"sum_limits", "1h:CNY:1000000, 24h:CNY:3000000"}});
  Quiet(Payout("p0", 0, 600000));
  Quiet(Payout("p1", 10 * kMinute, 400000));  // exactly the 1h limit
  std::vector<FakeAnnotation> out = Feed(Payout("p2", 20 * kMinute, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "VELOCITY_AMOUNT");
  EXPECT_DOUBLE_EQ(out[0].score, 0.5000005);
  EXPECT_EQ(out[0].message,
            "PAYMENT/PAYOUT/TRANSFER events sum to 1000001 CNY (minor units) "
            "in 1h, above the limit of 1000000");
  EXPECT_EQ(out[0].evidence, (Evidence{{"sum_minor", "1000001"},
                                       {"currency", "CNY"},
                                       {"window_ms", "3600000"},
                                       {"limit_minor", "1000000"},
                                       {"exceeded_windows", "1h"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);
}

TEST_F(VelocityWindowsTest, SumNearMisses) {
  Start({{"sum_limits", "1h:CNY:1000000,24h:CNY:3000000"}});
  Quiet(Payout("p0", 0, 1000000));
  // Other currencies have no limit: never summed, never added to CNY.
  Quiet(Payout("u0", 1, 999999999, "USD"));
  Quiet(Payout("e0", 2, 999999999, "EUR"));
  // One hour and one bucket later p0 is outside the 1h window.
  Quiet(Payout("p1", 3601 * kSecond, 1000000));
  // The 24h sum is now 2000000 of 3000000; other accounts sum apart.
  Quiet(Payout("q0", 3602 * kSecond, 1000000, "CNY", "acc2"));
  // Zero amounts add nothing.
  Quiet(Payout("z0", 3603 * kSecond, 0));
}

TEST_F(VelocityWindowsTest, LongSumWindowAndCurrenciesApart) {
  Start({{"sum_limits", "1h:CNY:1000000,24h:CNY:2500000,1h:USD:50000"}});
  Quiet(Payout("p0", 0, 900000));
  Quiet(Payout("p1", 2 * 3600 * kSecond, 900000));
  Quiet(Payout("u0", 2 * 3600 * kSecond + 1, 50000, "USD"));  // at the limit
  std::vector<FakeAnnotation> out =
      Feed(Payout("p2", 4 * 3600 * kSecond, 900000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("sum_minor"), "2700000");
  EXPECT_EQ(out[0].Evidence("window_ms"), "86400000");
  EXPECT_EQ(out[0].Evidence("exceeded_windows"), "1d");  // normalised
  out = Feed(Payout("u1", 2 * 3600 * kSecond + 2, 1, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].evidence, (Evidence{{"sum_minor", "50001"},
                                       {"currency", "USD"},
                                       {"window_ms", "3600000"},
                                       {"limit_minor", "50000"},
                                       {"exceeded_windows", "1h"}}));
}

TEST_F(VelocityWindowsTest, CountAndSumAnnotateTheSameEvent) {
  Start({{"max_events", "2"}, {"sum_limits", "1h:CNY:250"}});
  Quiet(Payout("p0", 0));
  Quiet(Payout("p1", 1));
  std::vector<FakeAnnotation> out = Feed(Payout("p2", 2));
  ASSERT_EQ(out.size(), 2u);
  // Without `windows` the count evidence is exactly the 1.0 shape.
  EXPECT_EQ(out[0].reason_code, "VELOCITY");
  EXPECT_EQ(
      out[0].evidence,
      (Evidence{{"count", "3"}, {"window_ms", "60000"}, {"max_events", "2"}}));
  EXPECT_EQ(out[1].reason_code, "VELOCITY_AMOUNT");
  EXPECT_EQ(out[1].Evidence("sum_minor"), "300");
}

TEST_F(VelocityWindowsTest, CounterpartyKeyCountsAcrossAccounts) {
  Start({{"key", "counterparty"}, {"max_events", "2"}});
  auto to = [](const std::string& id, int64_t t, const std::string& account,
               const std::string& counterparty) {
    return Payout(id, t, 100, "CNY", account).Counterparty(counterparty);
  };
  Quiet(to("p0", 0, "a1", "mule"));
  Quiet(to("p1", 1, "a2", "mule"));
  Quiet(to("p2", 2, "a3", "other"));
  Quiet(Payout("p3", 3, 100, "CNY", "a4"));  // no counterparty: not counted
  std::vector<FakeAnnotation> out = Feed(to("p4", 4, "a5", "mule"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("count"), "3");
}

TEST_F(VelocityWindowsTest, DeviceKeyCountsAcrossAccounts) {
  Start({{"key", "device"}, {"max_events", "1"}});
  FakeEvent e0 = Payout("p0", 0, 100, "CNY", "a1");
  e0.device_id = "dev-1";
  FakeEvent e1 = Payout("p1", 1, 100, "CNY", "a2");
  e1.device_id = "dev-1";
  Quiet(e0);
  Quiet(Payout("p2", 2, 100, "CNY", "a1"));  // no device: not counted
  EXPECT_EQ(Feed(e1).size(), 1u);
}

TEST_F(VelocityWindowsTest, AccountCounterpartyKeyKeepsPairsApart) {
  Start({{"key", "account_counterparty"}, {"max_events", "1"}});
  Quiet(Payout("p0", 0).Counterparty("bob"));
  Quiet(Payout("p1", 1).Counterparty("carol"));
  Quiet(Payout("p2", 2, 100, "CNY", "acc2").Counterparty("bob"));
  // ("ab","c") and ("a","bc") must not share a count.
  Quiet(Payout("p3", 3, 100, "CNY", "ab").Counterparty("c"));
  Quiet(Payout("p4", 4, 100, "CNY", "a").Counterparty("bc"));
  EXPECT_EQ(Feed(Payout("p5", 5).Counterparty("bob")).size(), 1u);
}

TEST(EntityForTest, KeysArePrefixedAndLengthSafe) {
  FakeEvent e = Payout("p", 0, 1, "CNY", "acc");
  e.counterparty = "bob";
  e.device_id = "d1";
  std::vector<rf_kv> attrs;
  rf_event_view view = e.View(&attrs);
  sdk::Event event(&view);
  EXPECT_EQ(EntityFor(EntityKey::kAccount, event), "acc");
  EXPECT_EQ(EntityFor(EntityKey::kCounterparty, event), "cp|bob");
  EXPECT_EQ(EntityFor(EntityKey::kDevice, event), "dev|d1");
  EXPECT_EQ(EntityFor(EntityKey::kAccountCounterparty, event), "acp|3:accbob");
  EXPECT_EQ(SumEntity("acc", "CNY"), "acc|CNY");
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(VelocityWindowsParamsTest, BadKeyIsRefusedByName) {
  EXPECT_EQ(CreateError({{"key", "acount"}}),
            "parameter 'key': unknown key 'acount'; expected account, "
            "counterparty, device or account_counterparty");
}

TEST(VelocityWindowsParamsTest, BadWindowsAreRefusedByName) {
  const std::string kShape =
      "' is not WINDOW:MAX_EVENTS with a duration and an integer (e.g. 1m:5)";
  for (const char* item :
       {"1m", "1m:", ":5", "1m:5:6", "1 m:5", "1m:-5", "1m:five", "1x:5"}) {
    EXPECT_EQ(CreateError({{"windows", std::string("1h:9,") + item}}),
              "parameter 'windows': item '" + std::string(item) + kShape)
        << item;
  }
  EXPECT_EQ(CreateError({{"windows", "500ms:5"}}),
            "parameter 'windows': window 500ms in item '500ms:5' is out of "
            "range [1s, 30d]");
  EXPECT_EQ(CreateError({{"windows", "31d:5"}}),
            "parameter 'windows': window 31d in item '31d:5' is out of range "
            "[1s, 30d]");
  EXPECT_EQ(CreateError({{"windows", "90s:5"}, {"bucket", "1m"}}),
            "parameter 'windows': window 90s in item '90s:5' is not a "
            "multiple of parameter 'bucket' (1m)");
  EXPECT_EQ(CreateError({{"windows", "1m:0"}}),
            "parameter 'windows': limit 0 in item '1m:0' is out of range "
            "[1, 1000000000]");
  EXPECT_EQ(CreateError({{"windows", "1m:5,60s:6"}}),
            "parameter 'windows': window 1m is listed twice");
  EXPECT_EQ(CreateError({{"windows", " , "}}),
            "parameter 'windows': needs at least one WINDOW:MAX_EVENTS item");
  std::string many;
  for (int i = 1; i <= 17; ++i) many += std::to_string(i) + "m:5,";
  EXPECT_EQ(CreateError({{"windows", many}}),
            "parameter 'windows': 17 items; at most 16 are allowed");
}

TEST(VelocityWindowsParamsTest, BadSumLimitsAreRefusedByName) {
  const std::string kShape =
      "' is not WINDOW:CUR:LIMIT_MINOR with a duration, a 3-letter "
      "upper-case currency and a positive integer (e.g. 1h:CNY:5000000)";
  for (const char* item : {"1h:5000", "1h:cny:5", "1h:CNY:0", "1h:CNY:-5",
                           "1h:CNYX:5", "x:CNY:5", "1h:CNY:5:6"}) {
    EXPECT_EQ(CreateError({{"sum_limits", std::string("1h:USD:9,") + item}}),
              "parameter 'sum_limits': item '" + std::string(item) + kShape)
        << item;
  }
  EXPECT_EQ(CreateError({{"sum_limits", "1h:CNY:5,60m:CNY:6"}}),
            "parameter 'sum_limits': window 1h for CNY is listed twice");
  EXPECT_EQ(CreateError({{"sum_limits", "1500ms:CNY:5"}}),
            "parameter 'sum_limits': window 1500ms in item '1500ms:CNY:5' is "
            "not a multiple of parameter 'bucket' (1s)");
  EXPECT_EQ(CreateError({{"sum_limits", ""}}),
            "parameter 'sum_limits': needs at least one WINDOW:CUR:LIMIT_MINOR "
            "item");
}

TEST(VelocityWindowsParamsTest, LegacyBucketCheckStillAppliesWithSums) {
  EXPECT_EQ(CreateError({{"bucket", "2m"}, {"sum_limits", "4m:CNY:5"}}),
            "parameter 'bucket': 2m is longer than the window of 1m");
}

}  // namespace
}  // namespace velocity
}  // namespace riskflow
