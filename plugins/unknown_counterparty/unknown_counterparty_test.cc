#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/unknown_counterparty/unknown_counterparty_detector.h"

namespace riskflow {
namespace unknown_counterparty {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr int64_t kDay = 86400 * 1000;

FakeEvent Money(const std::string& id, int64_t t,
                const std::string& counterparty,
                rf_event_type type = RF_EVENT_PAYMENT,
                const std::string& account = "acc") {
  return FakeEvent()
      .Id(id)
      .Type(type)
      .At(t)
      .Account(account)
      .Counterparty(counterparty)
      .Amount(2500, "USD");
}

class UnknownCounterpartyTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params = {}) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(UnknownCounterpartyTest, NewPayeeAfterHistoryFiresWithExactEvidence) {
  Start();
  // The very first payment has nothing to compare with.
  EXPECT_TRUE(Feed(Money("p1", 1000, "bob")).empty());
  std::vector<FakeAnnotation> out = Feed(Money("p2", 2000, "carol"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "unknown_counterparty");
  EXPECT_EQ(out[0].reason_code, "UNKNOWN_COUNTERPARTY_DEBIT");
  EXPECT_EQ(out[0].message,
            "debit of 2500 USD (minor units) to carol, not among the "
            "account's 1 known counterparties");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"counterparty", "carol"},
                                 {"known_counterparties", "1"},
                                 {"amount_minor", "2500"},
                                 {"currency", "USD"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
  EXPECT_DOUBLE_EQ(out[0].score, 0.4);
  // carol is now known; a third counterparty counts both.
  EXPECT_TRUE(Feed(Money("p3", 3000, "carol")).empty());
  out = Feed(Money("p4", 4000, "dave"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("known_counterparties"), "2");
}

TEST_F(UnknownCounterpartyTest, CreditsAndOtherDebitsTeach) {
  Start();
  Feed(Money("d1", 0, "alice", RF_EVENT_DEPOSIT));
  Feed(Money("r1", 0, "shop", RF_EVENT_REFUND));
  Feed(Money("o1", 0, "bene", RF_EVENT_PAYOUT));  // not checked, but teaches
  Feed(Money("t1", 0, "twin", RF_EVENT_TRANSFER));
  EXPECT_TRUE(Feed(Money("p1", kDay, "alice")).empty());
  EXPECT_TRUE(Feed(Money("p2", kDay, "shop")).empty());
  EXPECT_TRUE(Feed(Money("p3", kDay, "bene")).empty());
  EXPECT_TRUE(Feed(Money("p4", kDay, "twin")).empty());
  // Non-money events do not teach.
  Feed(Money("l1", kDay, "eve", RF_EVENT_LOGIN));
  EXPECT_EQ(Feed(Money("p5", kDay, "eve")).size(), 1u);
}

TEST_F(UnknownCounterpartyTest, MemoryEndsAtDayBucketGranularity) {
  Start();
  // A 180d window at event time t reaches back to the start of the day
  // bucket holding t - 180d + 1; seen at 0, known through 181d - 2ms.
  Feed(Money("a0", 0, "bob", RF_EVENT_DEPOSIT, "a"));
  Feed(Money("a1", 0, "old", RF_EVENT_DEPOSIT, "a"));
  Feed(Money("a2", 0, "bob", RF_EVENT_DEPOSIT, "b"));
  Feed(Money("a3", 0, "old", RF_EVENT_DEPOSIT, "b"));
  Feed(Money("a4", 100 * kDay, "bob", RF_EVENT_DEPOSIT, "a"));
  Feed(Money("a5", 100 * kDay, "bob", RF_EVENT_DEPOSIT, "b"));
  EXPECT_TRUE(
      Feed(Money("p1", 181 * kDay - 2, "old", RF_EVENT_PAYMENT, "a")).empty());
  std::vector<FakeAnnotation> out =
      Feed(Money("p2", 181 * kDay - 1, "old", RF_EVENT_PAYMENT, "b"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("known_counterparties"), "1");  // bob only
}

// memory is the window (t - 180d, t] in whole day buckets
// (docs/windows.md). At t = 181d - 1 it starts exactly on day 1, so the
// edge is exact: "old" seen at t - 180d (the last ms of day 0) is
// forgotten, seen 1 ms later it is known, and a counterparty learnt in t's
// own millisecond is known to the next event at t.
TEST_F(UnknownCounterpartyTest, MemoryEdgeIsHalfOpen) {
  Start();
  const int64_t t = 181 * kDay - 1;
  Feed(Money("o0", kDay - 1, "old", RF_EVENT_DEPOSIT, "out"));
  Feed(Money("o1", 100 * kDay, "bob", RF_EVENT_DEPOSIT, "out"));
  std::vector<FakeAnnotation> out =
      Feed(Money("o2", t, "old", RF_EVENT_PAYMENT, "out"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("known_counterparties"), "1");  // bob only

  Feed(Money("i0", kDay, "old", RF_EVENT_DEPOSIT, "in"));
  Feed(Money("i1", 100 * kDay, "bob", RF_EVENT_DEPOSIT, "in"));
  EXPECT_TRUE(Feed(Money("i2", t, "old", RF_EVENT_PAYMENT, "in")).empty());

  Feed(Money("s0", 100 * kDay, "bob", RF_EVENT_DEPOSIT, "same"));
  Feed(Money("s1", t, "new", RF_EVENT_DEPOSIT, "same"));
  EXPECT_TRUE(Feed(Money("s2", t, "new", RF_EVENT_PAYMENT, "same")).empty());
}

TEST_F(UnknownCounterpartyTest,
       AccountsAreSeparateAndBlankCounterpartySkipped) {
  Start();
  Feed(Money("p1", 0, "bob", RF_EVENT_PAYMENT, "a"));
  EXPECT_TRUE(Feed(Money("p2", 1, "carol", RF_EVENT_PAYMENT, "b")).empty());
  EXPECT_TRUE(Feed(Money("p3", 2, "", RF_EVENT_PAYMENT, "a")).empty());
  // b knows carol, not bob.
  EXPECT_EQ(Feed(Money("p4", 3, "bob", RF_EVENT_PAYMENT, "b")).size(), 1u);
}

TEST_F(UnknownCounterpartyTest, MinKnownAndTypeParametersAreHonoured) {
  Start({{"min_known", "2"},
         {"types", "PAYMENT,PAYOUT"},
         {"learn_types", "PAYMENT"}});
  Feed(Money("d1", 0, "alice", RF_EVENT_DEPOSIT));     // no longer teaches
  EXPECT_TRUE(Feed(Money("p1", 1, "bob")).empty());    // 0 known
  EXPECT_TRUE(Feed(Money("p2", 2, "carol")).empty());  // 1 known
  std::vector<FakeAnnotation> out =
      Feed(Money("o1", 3, "alice", RF_EVENT_PAYOUT));  // 2 known
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("known_counterparties"), "2");
  // PAYOUT is checked, so it taught alice even though learn_types omits it.
  EXPECT_TRUE(Feed(Money("p3", 4, "alice")).empty());
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

FakeEvent In(FakeEvent e, const std::string& country) {
  e.country = country;
  return e;
}

// A trip: every shop abroad is new, and none of them is worth a "was this
// you?" while the country itself is new to the account.
TEST_F(UnknownCounterpartyTest, TravelGraceSkipsShopsInANewCountry) {
  Start({{"travel_grace", "14d"}});
  // At home since day 0: three known shops.
  FakeEvent snap = FakeEvent().Id("s").Type(RF_EVENT_BALANCE_SNAPSHOT).At(0)
                       .Account("acc").Amount(100000, "CNY");
  EXPECT_TRUE(Feed(In(snap, "CN")).empty());
  EXPECT_TRUE(Feed(In(Money("h1", kDay, "m1"), "CN")).empty());
  EXPECT_FALSE(Feed(In(Money("h2", kDay + 1, "m2"), "CN")).empty());
  // Abroad from day 10: new shops in JP are not flagged ...
  EXPECT_TRUE(Feed(In(Money("j1", 10 * kDay, "jp1"), "JP")).empty());
  // At home, a new shop during the trip still fires: the home country is
  // as old as the account.
  EXPECT_EQ(Feed(In(Money("h3", 11 * kDay, "m3"), "CN")).size(), 1u);
  EXPECT_TRUE(Feed(In(Money("j2", 12 * kDay, "jp2"), "JP")).empty());
  // ... nor right up to the end of the grace (exclusive) ...
  EXPECT_TRUE(Feed(In(Money("j3", 24 * kDay - 1, "jp3"), "JP")).empty());
  // ... after which JP is a country like home.
  EXPECT_EQ(Feed(In(Money("j4", 24 * kDay, "jp4"), "JP")).size(), 1u);
  // The shops seen abroad were learned: no alert for them later.
  EXPECT_TRUE(Feed(In(Money("j5", 30 * kDay, "jp1"), "JP")).empty());
  // Without a country nothing is skipped.
  EXPECT_EQ(Feed(Money("x", 31 * kDay, "m4")).size(), 1u);
}

TEST_F(UnknownCounterpartyTest, TravelGraceOffByDefault) {
  Start();
  Feed(In(Money("h1", 0, "m1"), "CN"));
  EXPECT_EQ(Feed(In(Money("j1", kDay, "jp1"), "JP")).size(), 1u);
}

TEST(UnknownCounterpartyParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"memory", "12h"}}),
            "parameter 'memory': 12h is out of range [1d, 730d]");
  EXPECT_EQ(CreateError({{"min_known", "0"}}),
            "parameter 'min_known': 0 is out of range [1, 1000000]");
  EXPECT_EQ(
      CreateError({{"min_known", "many"}}).rfind("parameter 'min_known': ", 0),
      0u);
  EXPECT_EQ(CreateError({{"types", "PAYMNT"}})
                .rfind("parameter 'types': unknown event type 'PAYMNT'", 0),
            0u);
  EXPECT_EQ(CreateError({{"learn_types", ""}}),
            "parameter 'learn_types': needs at least one event type");
  EXPECT_EQ(CreateError({{"travel_grace", "400d"}}),
            "parameter 'travel_grace': 400d is out of range [0ms, 365d]");
}

}  // namespace
}  // namespace unknown_counterparty
}  // namespace riskflow
