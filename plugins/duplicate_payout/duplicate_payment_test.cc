// Duplicate payments (types including PAYMENT), retried requests and the
// stored copy history. The 1.0 payout behaviour is pinned by
// duplicate_payout_test.cc.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/duplicate_payout/duplicate_payout_detector.h"
#include "plugins/duplicate_payout/payout_history.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace duplicate_payout {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;
using Evidence = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kMinute = 60 * 1000;

FakeEvent Payment(const std::string& id, int64_t t, int64_t minor = 100,
                  const std::string& payee = "shop") {
  return FakeEvent()
      .Id(id)
      .Type(RF_EVENT_PAYMENT)
      .At(t)
      .Account("payer")
      .Counterparty(payee)
      .Amount(minor, "CNY");
}

FakeEvent Payout(const std::string& id, int64_t t) {
  return Payment(id, t).Type(RF_EVENT_PAYOUT);
}

class DuplicatePaymentTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  void Quiet(const FakeEvent& e) { EXPECT_TRUE(Feed(e).empty()) << e.event_id; }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(DuplicatePaymentTest, PaymentCopyFiresWithBothIds) {
  Start({{"types", "PAYOUT,PAYMENT"}});
  Quiet(Payment("m1", 1000));
  std::vector<FakeAnnotation> out = Feed(Payment("m2", 1000 + 2 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "DUPLICATE_PAYOUT");
  EXPECT_DOUBLE_EQ(out[0].score, 0.9);
  EXPECT_EQ(out[0].message,
            "payment m2 repeats payment m1 (same account, counterparty, "
            "currency and amount) 2m apart");
  EXPECT_EQ(out[0].evidence, (Evidence{{"original_event_id", "m1"},
                                       {"original_event_time_ms", "1000"},
                                       {"event_id", "m2"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
}

TEST_F(DuplicatePaymentTest, DefaultTypesLeavePaymentsAlone) {
  Start({});
  Quiet(Payment("m1", 0));
  Quiet(Payment("m2", 1));
}

TEST_F(DuplicatePaymentTest, PaymentNearMisses) {
  Start({{"types", "PAYMENT"}});
  Quiet(Payment("m1", 0));
  Quiet(Payment("m2", 1, 101));            // other amount
  Quiet(Payment("m3", 2, 100, "other"));   // other payee
  Quiet(Payment("m4", 10 * kMinute + 1));  // 1 ms outside the window of m1
}

// Payments follow the same half-open window (t - 10m, t] as payouts
// (docs/windows.md).
TEST_F(DuplicatePaymentTest, PaymentWindowEdgeIsHalfOpen) {
  Start({{"types", "PAYMENT"}});
  Quiet(Payment("m1", 0));
  Quiet(Payment("m2", 10 * kMinute));  // exactly 600 s: outside
  EXPECT_EQ(Feed(Payment("m3", 20 * kMinute - 1)).size(), 1u);  // 1 ms inside
  EXPECT_EQ(Feed(Payment("m4", 20 * kMinute - 1)).size(), 1u);  // same ms
}

TEST_F(DuplicatePaymentTest, PaymentAndPayoutNeverMatchEachOther) {
  Start({{"types", "PAYOUT,PAYMENT"}});
  Quiet(Payout("p1", 0));
  Quiet(Payment("m1", 1));  // same fields, different type
  std::vector<FakeAnnotation> out = Feed(Payout("p2", 2));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("original_event_id"), "p1");
}

TEST_F(DuplicatePaymentTest, RetriedIdsNeverAnnotateAgain) {
  Start({{"types", "PAYMENT"}});
  Quiet(Payment("m1", 0));
  EXPECT_EQ(Feed(Payment("m2", kMinute)).size(), 1u);
  // Re-deliveries of either request, in any order and even with a shifted
  // time: the same requests, so nothing new to report.
  Quiet(Payment("m2", kMinute));
  Quiet(Payment("m1", 0));
  Quiet(Payment("m1", 2 * kMinute));
  Quiet(Payment("m2", 3 * kMinute));
  // The retries left the state alone: a real third copy names m2 and its
  // original time.
  std::vector<FakeAnnotation> out = Feed(Payment("m3", 4 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].evidence, (Evidence{{"original_event_id", "m2"},
                                       {"original_event_time_ms", "60000"},
                                       {"event_id", "m3"}}));
}

TEST_F(DuplicatePaymentTest, OnlyTheLastCopiesAreRemembered) {
  Start({{"types", "PAYMENT"}});
  for (size_t i = 0; i <= kMaxCopies; ++i) {
    Feed(Payment("m" + std::to_string(i), static_cast<int64_t>(i)));
  }
  // m1..m8 are remembered; m0 dropped out, so its retry reads as a copy.
  Quiet(Payment("m1", 1));
  std::vector<FakeAnnotation> out = Feed(Payment("m0", 0));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("original_event_id"), "m8");
}

TEST(PayoutKeyTest, NonPayoutTypesAreKeyedApart) {
  FakeEvent e = Payment("m", 0, 100, "bob");
  std::vector<rf_kv> attrs;
  rf_event_view view = e.View(&attrs);
  EXPECT_EQ(PayoutKey(sdk::Event(&view)), "5:payer3:bob3:CNY3:1007:PAYMENT");
}

TEST(PayoutHistoryTest, RoundTripsAnyIds) {
  std::vector<PayoutCopy> copies = {
      {"p1", 5}, {"7:x:y", -3}, {"", 0}, {"id\x01with:colon", 1767225600000}};
  std::vector<PayoutCopy> back = DecodeCopies(EncodeCopies(copies), 99);
  ASSERT_EQ(back.size(), copies.size());
  for (size_t i = 0; i < copies.size(); ++i) {
    EXPECT_EQ(back[i].event_id, copies[i].event_id);
    EXPECT_EQ(back[i].event_time_ms, copies[i].event_time_ms);
  }
  EXPECT_EQ(EncodeCopies({{"ab", 12}}),
            "\x01"
            "12:2:ab");
  EXPECT_TRUE(DecodeCopies(EncodeCopies({}), 1).empty());
}

TEST(PayoutHistoryTest, OneDotZeroValueIsOneCopyAtTheStoredTime) {
  std::vector<PayoutCopy> copies = DecodeCopies("evt-000219", 1234);
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].event_id, "evt-000219");
  EXPECT_EQ(copies[0].event_time_ms, 1234);
}

TEST(PayoutHistoryTest, DamagedValuesAreForgotten) {
  for (const char* damaged : {"\x01"
                              "12",
                              "\x01"
                              "12:",
                              "\x01"
                              "12:5:ab",
                              "\x01"
                              "x:2:ab",
                              "\x01"
                              "12:-1:",
                              "\x01"
                              ":2:ab"}) {
    EXPECT_TRUE(DecodeCopies(damaged, 1).empty()) << damaged + 1;
  }
}

}  // namespace
}  // namespace duplicate_payout
}  // namespace riskflow
