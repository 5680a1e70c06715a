#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sudden_outflow/sudden_outflow_detector.h"

namespace riskflow {
namespace sudden_outflow {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;
using Evidence = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z, a day start
constexpr int64_t kNoon = kT0 + 12 * kHour;

FakeEvent Money(const std::string& id, rf_event_type type, int64_t t,
                int64_t minor, const std::string& currency = "USD",
                const std::string& account = "acc1") {
  return FakeEvent().Id(id).Type(type).At(t).Account(account).Amount(minor,
                                                                     currency);
}
FakeEvent Payout(const std::string& id, int64_t t, int64_t minor,
                 const std::string& currency = "USD",
                 const std::string& account = "acc1") {
  return Money(id, RF_EVENT_PAYOUT, t, minor, currency, account);
}

class SuddenOutflowTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params = {}) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  // One 100.00 payout at noon on each of `days` days from day 0: a daily
  // average of 10000 once the account is old enough.
  void DailyHistory(int days, const std::string& account = "acc1",
                    const std::string& currency = "USD") {
    for (int d = 0; d < days; ++d) {
      EXPECT_TRUE(Feed(Payout(account + "-h" + std::to_string(d),
                              kNoon + d * kDay, 10000, currency, account))
                      .empty())
          << "history day " << d;
    }
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(SuddenOutflowTest, FiresAboveMultipleOfDailyAverage) {
  Start();
  DailyHistory(10);  // days 0..9; 100000 in total
  // Day 10: 10 days of history, average 10000; 5x is 50000.
  std::vector<FakeAnnotation> out =
      Feed(Payout("big", kNoon + 10 * kDay, 60000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "sudden_outflow");
  EXPECT_EQ(out[0].reason_code, "OUTFLOW_VS_HISTORY");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
  EXPECT_DOUBLE_EQ(out[0].score, 0.6);  // 6 / (2 * 5)
  EXPECT_EQ(out[0].message,
            "60000 USD (minor) out in 1h, 6.00x the daily average of 10000 "
            "over 10d (limit 5x)");
  EXPECT_EQ(out[0].evidence, (Evidence{{"currency", "USD"},
                                       {"window_sum_minor", "60000"},
                                       {"window_ms", "3600000"},
                                       {"daily_average_minor", "10000"},
                                       {"history_days", "10"},
                                       {"multiple", "6.00"},
                                       {"limit_multiple", "5"}}));
}

TEST_F(SuddenOutflowTest, ExactlyAtTheMultipleDoesNotFire) {
  Start();
  DailyHistory(10);
  EXPECT_TRUE(Feed(Payout("edge", kNoon + 10 * kDay, 50000)).empty());
  // The next outflow in the window adds up: 50001 vs a baseline that still
  // excludes the window (100000 / 10).
  std::vector<FakeAnnotation> out =
      Feed(Payout("more", kNoon + 10 * kDay + kMinute, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_sum_minor"), "50001");
  EXPECT_EQ(out[0].Evidence("daily_average_minor"), "10000");
  EXPECT_EQ(out[0].Evidence("multiple"), "5.00");
}

TEST_F(SuddenOutflowTest, ShortWindowSlidesAtMinuteGranularity) {
  Start();
  DailyHistory(10);
  const int64_t t = kNoon + 10 * kDay;
  EXPECT_TRUE(Feed(Payout("a", t, 30000)).empty());
  // 59 minutes later both are in the window: 60000 > 50000.
  EXPECT_EQ(Feed(Payout("b", t + 59 * kMinute, 30000)).size(), 1u);
  // Another account: "a" at t, "c" 1h + 1m later. The window
  // [t + 1m + 1ms, ...] starts in the bucket after "a"; 30000 left against
  // a baseline of 130000 / 10 -> not even 3x.
  DailyHistory(10, "acc2");
  EXPECT_TRUE(Feed(Payout("a2", t, 30000, "USD", "acc2")).empty());
  EXPECT_TRUE(
      Feed(Payout("c2", t + kHour + kMinute, 30000, "USD", "acc2")).empty());
}

// The short window is (t - 1h, t] in whole 1m buckets (docs/windows.md).
// With the first outflow in the last ms of a minute and the second exactly
// 1h later, the window starts on a bucket and the edge is exact: the first
// is outside (400001 of a 600000 balance: 66%), 1 ms later it is inside
// (800001 of 1000000: just over 80%), and so is one in the same ms.
TEST_F(SuddenOutflowTest, ShortWindowEdgeIsHalfOpen) {
  Start();
  const int64_t a = kNoon + kMinute - 1;
  const int64_t t = a + kHour;
  for (const char* acc : {"out", "in", "same"}) {
    Feed(Money(std::string(acc) + "-s", RF_EVENT_BALANCE_SNAPSHOT, kNoon,
               1000000, "USD", acc));
  }
  EXPECT_TRUE(Feed(Payout("o1", a, 400000, "USD", "out")).empty());
  EXPECT_TRUE(Feed(Payout("o2", t, 400001, "USD", "out")).empty());

  EXPECT_TRUE(Feed(Payout("i1", a + 1, 400000, "USD", "in")).empty());
  std::vector<FakeAnnotation> out = Feed(Payout("i2", t, 400001, "USD", "in"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_sum_minor"), "800001");

  EXPECT_TRUE(Feed(Payout("s1", t, 400000, "USD", "same")).empty());
  out = Feed(Payout("s2", t, 400001, "USD", "same"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_sum_minor"), "800001");
}

TEST_F(SuddenOutflowTest, NewAccountsAreNotJudgedOnHistory) {
  Start();
  // The first outflow ever, however large.
  EXPECT_TRUE(Feed(Payout("first", kNoon, 99999999)).empty());
  // Six full days after the first outflow: still too young.
  DailyHistory(6, "young");
  EXPECT_TRUE(
      Feed(Payout("y", kNoon + 6 * kDay, 10000000, "USD", "young")).empty());
  // Seven days after the first outflow: judged. The history is 7 days old,
  // so the 30000 of days 0..2 averages over 7 days, not 30.
  DailyHistory(3, "grown");
  std::vector<FakeAnnotation> out =
      Feed(Payout("g", kNoon + 7 * kDay, 30000, "USD", "grown"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("history_days"), "7");
  EXPECT_EQ(out[0].Evidence("daily_average_minor"), "4285");  // 30000 / 7
  EXPECT_EQ(out[0].Evidence("multiple"), "7.00");
}

TEST_F(SuddenOutflowTest, CurrenciesAreNeverMixed) {
  Start();
  DailyHistory(10);  // USD
  // The first EUR outflow is new history, not 60000 against USD.
  EXPECT_TRUE(Feed(Payout("eur", kNoon + 10 * kDay, 60000, "EUR")).empty());
  // And it does not count into the USD window.
  EXPECT_TRUE(Feed(Payout("usd", kNoon + 10 * kDay + 1, 50000)).empty());
  // Inflows and other types are not outflows.
  EXPECT_TRUE(
      Feed(Money("dep", RF_EVENT_DEPOSIT, kNoon + 10 * kDay + 2, 90000000))
          .empty());
  EXPECT_TRUE(
      Feed(Money("ref", RF_EVENT_REFUND, kNoon + 10 * kDay + 3, 90000000))
          .empty());
}

TEST_F(SuddenOutflowTest, DormantAccountStartsANewHistory) {
  Start();
  DailyHistory(10);  // days 0..9
  // Day 50: the 30d history window (days 20..50) is empty.
  EXPECT_TRUE(Feed(Payout("wake", kNoon + 50 * kDay, 1000000)).empty());
  // One day later the history restarted at day 50: too young.
  EXPECT_TRUE(Feed(Payout("next", kNoon + 51 * kDay, 9000000)).empty());
}

TEST_F(SuddenOutflowTest, HistoryWindowForgetsOldDays) {
  Start({{"history", "7d"}, {"multiple", "2"}, {"min_history_days", "3"}});
  DailyHistory(10);  // days 0..9
  // Day 10 noon: window [day 3 noon + 1ms, ...] -> day buckets 3..10, so
  // days 3..9 = 70000 over 7 days: average 10000; 20001 > 2x.
  std::vector<FakeAnnotation> out =
      Feed(Payout("big", kNoon + 10 * kDay, 20001));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("daily_average_minor"), "10000");
  EXPECT_EQ(out[0].Evidence("history_days"), "7");
}

TEST_F(SuddenOutflowTest, FiresAboveBalancePercent) {
  Start();
  const int64_t t = kNoon;
  Feed(Money("snap", RF_EVENT_BALANCE_SNAPSHOT, t, 1000000));
  // 80% exactly is allowed (and a first outflow ever is fine for history).
  EXPECT_TRUE(Feed(Payout("p1", t + kMinute, 800000)).empty());
  std::vector<FakeAnnotation> out = Feed(Payout("p2", t + 2 * kMinute, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "OUTFLOW_VS_BALANCE");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
  EXPECT_DOUBLE_EQ(out[0].score, 0.800001);
  EXPECT_EQ(out[0].message,
            "800001 USD (minor) out in 1h, 80.00% of the known balance of "
            "1000000 (limit 80%)");
  EXPECT_EQ(out[0].evidence,
            (Evidence{{"currency", "USD"},
                      {"window_sum_minor", "800001"},
                      {"outflow_minor", "800001"},
                      {"balance_minor", "1000000"},
                      {"percent", "80.00"},
                      {"limit_percent", "80"},
                      {"balance_time_ms", std::to_string(t)}}));
}

TEST_F(SuddenOutflowTest, BalanceCountsFlowsSinceTheSnapshot) {
  Start();
  const int64_t t = kNoon;
  // Outflow before the snapshot is already in it: 500000 at t, snapshot
  // 600000 at t + 10m, 100000 at t + 20m -> 100000 of 600000.
  Feed(Payout("before", t, 500000, "USD", "a"));
  Feed(Money("snap", RF_EVENT_BALANCE_SNAPSHOT, t + 10 * kMinute, 600000, "USD",
             "a"));
  EXPECT_TRUE(
      Feed(Payout("after", t + 20 * kMinute, 100000, "USD", "a")).empty());
  // A deposit after the snapshot raises the balance: 0 + 900000, then
  // 720001 out is just over 80%.
  Feed(Money("s", RF_EVENT_BALANCE_SNAPSHOT, t, 0, "USD", "mule"));
  Feed(Money("d", RF_EVENT_DEPOSIT, t + kMinute, 900000, "USD", "mule"));
  EXPECT_TRUE(
      Feed(Payout("m1", t + 2 * kMinute, 720000, "USD", "mule")).empty());
  std::vector<FakeAnnotation> out =
      Feed(Payout("m2", t + 3 * kMinute, 1, "USD", "mule"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("balance_minor"), "900000");
  EXPECT_EQ(out[0].Evidence("percent"), "80.00");
  // Outflows before the window lowered the balance: 1000000 on day 0,
  // 500000 out on day 1, then 400001 of the remaining 500000 on day 2.
  Feed(Money("s", RF_EVENT_BALANCE_SNAPSHOT, t, 1000000, "USD", "old"));
  EXPECT_TRUE(Feed(Payout("o1", t + kDay, 500000, "USD", "old")).empty());
  out = Feed(Payout("o2", t + 2 * kDay, 400001, "USD", "old"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_sum_minor"), "400001");
  EXPECT_EQ(out[0].Evidence("balance_minor"), "500000");
}

TEST_F(SuddenOutflowTest, BalanceNearMisses) {
  Start();
  const int64_t t = kNoon;
  // A snapshot in another currency says nothing about USD.
  Feed(Money("s", RF_EVENT_BALANCE_SNAPSHOT, t, 1000, "EUR"));
  EXPECT_TRUE(Feed(Payout("p", t + kMinute, 900000)).empty());
  // 80% spread over more than the window never fires: 400000 twice, 61m
  // apart, of 1000000.
  Feed(Money("s2", RF_EVENT_BALANCE_SNAPSHOT, t, 1000000, "USD", "b"));
  EXPECT_TRUE(Feed(Payout("b1", t + kMinute, 400000, "USD", "b")).empty());
  EXPECT_TRUE(Feed(Payout("b2", t + 62 * kMinute, 400001, "USD", "b")).empty());
  // A zero balance with no known inflow: no judgement.
  Feed(Money("s3", RF_EVENT_BALANCE_SNAPSHOT, t, 0, "USD", "z"));
  EXPECT_TRUE(Feed(Payout("z1", t + kMinute, 100, "USD", "z")).empty());
}

// The case: 17190 CNY (minor) out against 2466 a day is 6.97x, but
// 172 CNY is not worth a reviewer. The floor keeps the ratio quiet under
// it and changes nothing above it.
TEST_F(SuddenOutflowTest, MinAmountFloorsTheHistoryRule) {
  Start({{"min_amount", "CNY:500000,USD:70000"}});
  DailyHistory(7, "small", "CNY");  // 100.00 CNY a day
  EXPECT_TRUE(
      Feed(Payout("tiny", kNoon + 7 * kDay, 69999, "CNY", "small")).empty());
  // The sums were kept under the floor: 499999 more in the window is
  // 569998 in all, over the CNY floor and 8.14x the average.
  std::vector<FakeAnnotation> out = Feed(
      Payout("big", kNoon + 7 * kDay + kMinute, 499999, "CNY", "small"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "OUTFLOW_VS_HISTORY");
  EXPECT_EQ(out[0].Evidence("window_sum_minor"), "569998");
  // USD has its own floor: 60000 is 6x the average but under 70000; the
  // floor is inclusive (70000 is judged).
  DailyHistory(10, "u");
  EXPECT_TRUE(Feed(Payout("u1", kNoon + 10 * kDay, 60000, "USD", "u")).empty());
  out = Feed(Payout("u2", kNoon + 10 * kDay + kMinute, 10000, "USD", "u"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("window_sum_minor"), "70000");
  // A currency without a floor keeps 1.0's behaviour.
  DailyHistory(10, "e", "EUR");
  EXPECT_EQ(Feed(Payout("e1", kNoon + 10 * kDay, 60000, "EUR", "e")).size(),
            1u);
  // The history floor does not touch the balance rule.
  Feed(Money("s", RF_EVENT_BALANCE_SNAPSHOT, kNoon, 1000, "CNY", "poor"));
  out = Feed(Payout("p", kNoon + kMinute, 900, "CNY", "poor"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "OUTFLOW_VS_BALANCE");
}

TEST_F(SuddenOutflowTest, BalanceMinAmountFloorsTheBalanceRule) {
  Start({{"balance_min_amount", "CNY:50000"}});
  Feed(Money("s", RF_EVENT_BALANCE_SNAPSHOT, kNoon, 1000, "CNY", "poor"));
  EXPECT_TRUE(Feed(Payout("p1", kNoon + kMinute, 900, "CNY", "poor")).empty());
  // The floor applies to the window's outflow, not to one payout.
  Feed(Money("s", RF_EVENT_BALANCE_SNAPSHOT, kNoon, 60000, "CNY", "a"));
  EXPECT_TRUE(Feed(Payout("a1", kNoon + kMinute, 30000, "CNY", "a")).empty());
  std::vector<FakeAnnotation> out =
      Feed(Payout("a2", kNoon + 2 * kMinute, 20000, "CNY", "a"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "OUTFLOW_VS_BALANCE");
  EXPECT_EQ(out[0].Evidence("outflow_minor"), "50000");
}

TEST(SuddenOutflowBalanceTest, EncodingRoundTrips) {
  Balance b{-5, 1767225600000, 7, 9};
  std::optional<Balance> back = DecodeBalance(EncodeBalance(b));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->snapshot_minor, -5);
  EXPECT_EQ(back->snapshot_time_ms, 1767225600000);
  EXPECT_EQ(back->inflow_minor, 7);
  EXPECT_EQ(back->outflow_minor, 9);
  EXPECT_FALSE(DecodeBalance("1 2 3").has_value());
  EXPECT_FALSE(DecodeBalance("1 2 3 4 x").has_value());
}

TEST_F(SuddenOutflowTest, DefaultsAreNormalised) {
  Start();
  EXPECT_EQ(host_.params().AsMap(), (std::map<std::string, std::string>{
                                        {"types", "PAYMENT,PAYOUT,TRANSFER"},
                                        {"window", "3600000ms"},
                                        {"history", "2592000000ms"},
                                        {"multiple", "5"},
                                        {"min_history_days", "7"},
                                        {"balance_percent", "80"}}));
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(SuddenOutflowParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"window", "30s"}}),
            "parameter 'window': 30s is out of range [1m, 1d]");
  EXPECT_EQ(CreateError({{"history", "1d"}}),
            "parameter 'history': 1d is out of range [2d, 365d]");
  EXPECT_EQ(CreateError({{"history", "60h"}}),
            "parameter 'history': 60h is not a whole number of days");
  EXPECT_EQ(CreateError({{"multiple", "0.5"}}),
            "parameter 'multiple': 0.5 is out of range [1, 1000000]");
  EXPECT_EQ(CreateError({{"min_history_days", "-1"}}),
            "parameter 'min_history_days': -1 is out of range [0, 365]");
  EXPECT_EQ(CreateError({{"balance_percent", "abc"}}),
            "parameter 'balance_percent': expected a number, got 'abc'");
  EXPECT_EQ(CreateError({{"types", "PAYOUT,WIRE"}}),
            "parameter 'types': unknown event type 'WIRE'; known types are "
            "PAYMENT, PAYOUT, TRANSFER, REFUND, LOGIN, AUTH_FAILURE, "
            "PROFILE_CHANGE, BALANCE_SNAPSHOT, DEPOSIT");
  EXPECT_EQ(CreateError({{"min_amount", "CNY:5000.00"}}),
            "parameter 'min_amount': item 'CNY:5000.00' is not CUR:minor_units "
            "with a 3-letter upper-case currency and a positive integer (e.g. "
            "USD:1500000)");
  EXPECT_EQ(CreateError({{"balance_min_amount", "USD:1,USD:2"}}),
            "parameter 'balance_min_amount': currency USD is listed twice");
  EXPECT_EQ(CreateError({{"min_amount", ","}}),
            "parameter 'min_amount': needs at least one CUR:minor_units item");
}

}  // namespace
}  // namespace sudden_outflow
}  // namespace riskflow
