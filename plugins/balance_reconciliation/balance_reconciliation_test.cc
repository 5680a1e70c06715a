#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/balance_reconciliation/balance_reconciliation_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace balance_reconciliation {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

FakeEvent Ev(const std::string& id, rf_event_type type, int64_t t,
             int64_t minor, const std::string& currency = "CNY",
             const std::string& account = "acc") {
  return FakeEvent()
      .Id(id)
      .Type(type)
      .At(t)
      .Account(account)
      .Counterparty("cp")
      .Amount(minor, currency);
}
FakeEvent Snapshot(const std::string& id, int64_t t, int64_t minor,
                   const std::string& currency = "CNY",
                   const std::string& account = "acc") {
  return Ev(id, RF_EVENT_BALANCE_SNAPSHOT, t, minor, currency, account);
}

class BalanceReconciliationTest : public ::testing::Test {
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

TEST_F(BalanceReconciliationTest, MismatchFiresWithExactEvidenceThenRebases) {
  Start();
  EXPECT_TRUE(Feed(Snapshot("s1", 1000, 100000)).empty());  // base only
  Feed(Ev("d1", RF_EVENT_DEPOSIT, 2000, 5000));
  Feed(Ev("p1", RF_EVENT_PAYMENT, 3000, 2000));
  Feed(Ev("o1", RF_EVENT_PAYOUT, 4000, 1000));
  std::vector<FakeAnnotation> out = Feed(Snapshot("s2", 5000, 101500));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "balance_reconciliation");
  EXPECT_EQ(out[0].reason_code, "BALANCE_MISMATCH");
  EXPECT_EQ(out[0].message,
            "reported balance 101500 CNY (minor units) differs from the "
            "implied 102000 by -500 after 3 events since snapshot s1");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"expected_minor", "102000"},
                                 {"reported_minor", "101500"},
                                 {"difference_minor", "-500"},
                                 {"currency", "CNY"},
                                 {"events_since_snapshot", "3"},
                                 {"previous_snapshot_event_id", "s1"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
  // Re-based on 101500: a refund and a transfer later it matches again.
  Feed(Ev("r1", RF_EVENT_REFUND, 6000, 700));
  Feed(Ev("t1", RF_EVENT_TRANSFER, 7000, 200));
  EXPECT_TRUE(Feed(Snapshot("s3", 8000, 102000)).empty());
  out = Feed(Snapshot("s4", 9000, 102001));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("difference_minor"), "1");
  EXPECT_EQ(out[0].Evidence("events_since_snapshot"), "0");
  EXPECT_EQ(out[0].Evidence("previous_snapshot_event_id"), "s3");
}

TEST_F(BalanceReconciliationTest, ToleranceIsInclusive) {
  Start({{"tolerance_minor", "500"}});
  Feed(Snapshot("s1", 1000, 10000));
  Feed(Ev("p1", RF_EVENT_PAYMENT, 2000, 1000));
  EXPECT_TRUE(Feed(Snapshot("s2", 3000, 9500)).empty());  // off by 500
  std::vector<FakeAnnotation> out = Feed(Snapshot("s3", 4000, 10001));
  ASSERT_EQ(out.size(), 1u);  // off by 501 from the re-based 9500
  EXPECT_EQ(out[0].Evidence("difference_minor"), "501");
}

TEST_F(BalanceReconciliationTest, CurrenciesAndAccountsAreSeparate) {
  Start();
  Feed(Snapshot("s1", 1000, 10000, "CNY"));
  Feed(Ev("d1", RF_EVENT_DEPOSIT, 2000, 999, "USD"));  // no USD base: ignored
  EXPECT_TRUE(Feed(Snapshot("s2", 3000, 500, "USD")).empty());  // USD base
  Feed(Ev("d2", RF_EVENT_DEPOSIT, 4000, 100, "USD"));
  Feed(Ev("d3", RF_EVENT_DEPOSIT, 4000, 100, "CNY", "other"));  // other acc
  EXPECT_TRUE(Feed(Snapshot("s3", 5000, 10000, "CNY")).empty());
  EXPECT_TRUE(Feed(Snapshot("s4", 5000, 600, "USD")).empty());
  // Events without a money meaning never move a balance.
  Feed(Ev("l1", RF_EVENT_LOGIN, 6000, 100));
  Feed(Ev("c1", RF_EVENT_PROFILE_CHANGE, 6000, 100));
  EXPECT_TRUE(Feed(Snapshot("s5", 7000, 10000, "CNY")).empty());
}

TEST_F(BalanceReconciliationTest, FxDebitTakesTheChargedSourceSide) {
  Start();
  Feed(Snapshot("s1", 1000, 100000, "CNY"));
  FakeEvent fx = Ev("o1", RF_EVENT_PAYOUT, 2000, 10000, "USD");
  fx.source_amount_minor = 71000;
  fx.source_currency = "CNY";
  Feed(fx);
  EXPECT_TRUE(Feed(Snapshot("s2", 3000, 29000, "CNY")).empty());
}

TEST_F(BalanceReconciliationTest, LateEventsAndStaleSnapshotsAreSkipped) {
  Start();
  Feed(Snapshot("s1", 10000, 5000));
  // Happened before the snapshot: assumed to be counted in it already.
  Feed(Ev("p0", RF_EVENT_PAYMENT, 9999, 1000));
  // A late movement after the snapshot still counts (sums commute).
  Feed(Ev("p2", RF_EVENT_PAYMENT, 12000, 300));
  Feed(Ev("p1", RF_EVENT_PAYMENT, 11000, 200));
  // A stale snapshot is neither compared nor used as a base.
  EXPECT_TRUE(Feed(Snapshot("s0", 9000, 1)).empty());
  std::vector<FakeAnnotation> out = Feed(Snapshot("s2", 13000, 4000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("expected_minor"), "4500");
  EXPECT_EQ(out[0].Evidence("events_since_snapshot"), "2");
  EXPECT_EQ(out[0].Evidence("previous_snapshot_event_id"), "s1");
}

TEST_F(BalanceReconciliationTest, OverflowMakesTheBalanceUnknownUntilRebased) {
  Start();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  Feed(Snapshot("s1", 1000, kMax - 10));
  Feed(Ev("d1", RF_EVENT_DEPOSIT, 2000, 11));  // overflows
  Feed(Ev("d2", RF_EVENT_DEPOSIT, 2500, 1));
  EXPECT_TRUE(Feed(Snapshot("s2", 3000, 7)).empty());  // re-base only
  Feed(Ev("p1", RF_EVENT_PAYMENT, 4000, 10));
  std::vector<FakeAnnotation> out = Feed(Snapshot("s3", 5000, kMax));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("expected_minor"), "-3");
  EXPECT_EQ(out[0].Evidence("difference_minor"), "9223372036854775810");
}

TEST_F(BalanceReconciliationTest, TypeParametersAreHonoured) {
  Start({{"credit_types", "DEPOSIT"}, {"debit_types", "PAYOUT"}});
  Feed(Snapshot("s1", 1000, 1000));
  Feed(Ev("r1", RF_EVENT_REFUND, 2000, 50));   // not a credit any more
  Feed(Ev("p1", RF_EVENT_PAYMENT, 2000, 50));  // not a debit any more
  Feed(Ev("o1", RF_EVENT_PAYOUT, 2000, 100));
  Feed(Ev("d1", RF_EVENT_DEPOSIT, 2000, 10));
  EXPECT_TRUE(Feed(Snapshot("s2", 3000, 910)).empty());
}

TEST(ParseInt64Test, StrictDecimal) {
  EXPECT_EQ(ParseInt64("-120"), -120);
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_FALSE(ParseInt64("").has_value());
  EXPECT_FALSE(ParseInt64("12x").has_value());
  EXPECT_FALSE(ParseInt64("99999999999999999999").has_value());
  EXPECT_EQ(BalanceKey("acc", "CNY"), std::string("acc\x1f"
                                                  "CNY"));
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(BalanceReconciliationParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"tolerance_minor", "-1"}}),
            "parameter 'tolerance_minor': -1 is out of range [0, "
            "1000000000000000]");
  EXPECT_EQ(CreateError({{"tolerance_minor", "1.5"}})
                .rfind("parameter 'tolerance_minor': ", 0),
            0u);
  EXPECT_EQ(CreateError({{"debit_types", "PAYMENT,REFUND"}}),
            "parameter 'debit_types': REFUND is also listed in credit_types");
  EXPECT_EQ(CreateError({{"credit_types", "DEPOSIT,BALANCE_SNAPSHOT"}}),
            "parameter 'credit_types': BALANCE_SNAPSHOT sets the balance and "
            "cannot move it");
  EXPECT_EQ(CreateError({{"credit_types", "DEPOSITS"}})
                .rfind("parameter 'credit_types': unknown event type", 0),
            0u);
  EXPECT_EQ(CreateError({{"debit_types", ""}}),
            "parameter 'debit_types': needs at least one event type");
}

}  // namespace
}  // namespace balance_reconciliation
}  // namespace riskflow
