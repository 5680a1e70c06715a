#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/duplicate_payout/duplicate_payout_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace duplicate_payout {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr int64_t kMinute = 60 * 1000;

FakeEvent Payout(const std::string& id, int64_t t, int64_t minor = 100,
                 const std::string& counterparty = "bob",
                 const std::string& currency = "USD",
                 const std::string& account = "acc") {
  return FakeEvent()
      .Id(id)
      .Type(RF_EVENT_PAYOUT)
      .At(t)
      .Account(account)
      .Counterparty(counterparty)
      .Amount(minor, currency);
}

class DuplicatePayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(host_.Create().ok()) << host_.last_error();  // window 10m
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(DuplicatePayoutTest, SecondCopyFiresWithExactEvidence) {
  EXPECT_TRUE(Feed(Payout("p1", 1000)).empty());
  std::vector<FakeAnnotation> out = Feed(Payout("p2", 1000 + kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "duplicate_payout");
  EXPECT_EQ(out[0].reason_code, "DUPLICATE_PAYOUT");
  EXPECT_EQ(out[0].message,
            "payout p2 repeats payout p1 (same account, counterparty, "
            "currency and amount) 1m apart");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"original_event_id", "p1"},
                                 {"original_event_time_ms", "1000"},
                                 {"event_id", "p2"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
}

TEST_F(DuplicatePayoutTest, ThirdCopyReferencesTheSecond) {
  Feed(Payout("p1", 0));
  Feed(Payout("p2", kMinute));
  std::vector<FakeAnnotation> out = Feed(Payout("p3", 2 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("original_event_id"), "p2");
  EXPECT_EQ(out[0].Evidence("original_event_time_ms"), "60000");
}

// The window of a copy at t is (t - 10m, t] (docs/windows.md): a copy
// exactly 600 s earlier is outside, 599.999 s earlier inside, the same
// millisecond inside. (1.1.0 counted exactly 600 s as a duplicate.)
TEST_F(DuplicatePayoutTest, WindowEdgeIsHalfOpen) {
  Feed(Payout("p1", 0));
  EXPECT_TRUE(Feed(Payout("p2", 10 * kMinute)).empty());
  // p2 is now the stored copy; 1 ms inside its window -> a match.
  std::vector<FakeAnnotation> out = Feed(Payout("p3", 20 * kMinute - 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("original_event_id"), "p2");
  // Same millisecond as p3.
  out = Feed(Payout("p4", 20 * kMinute - 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("original_event_id"), "p3");
}

// Either order: a late copy exactly 600 s before the stored one is outside
// the stored one's window too; 1 ms closer it is inside.
TEST_F(DuplicatePayoutTest, LateCopyWindowEdgeIsHalfOpen) {
  Feed(Payout("p2", 10 * kMinute));
  EXPECT_TRUE(Feed(Payout("p1", 0)).empty());
  Feed(Payout("q2", 10 * kMinute, 7));
  EXPECT_EQ(Feed(Payout("q1", 1, 7)).size(), 1u);
}

TEST_F(DuplicatePayoutTest, DifferentFieldsDoNotMatch) {
  Feed(Payout("p1", 0));
  EXPECT_TRUE(Feed(Payout("p2", 1, 101)).empty());           // amount
  EXPECT_TRUE(Feed(Payout("p3", 2, 100, "carol")).empty());  // counterparty
  EXPECT_TRUE(Feed(Payout("p4", 3, 100, "bob", "EUR")).empty());  // currency
  EXPECT_TRUE(Feed(Payout("p5", 4, 100, "bob", "USD", "acc2")).empty());
  // Other types are not payouts.
  EXPECT_TRUE(Feed(Payout("p6", 5).Type(RF_EVENT_PAYMENT)).empty());
}

TEST_F(DuplicatePayoutTest, FieldBoundariesCannotCollide) {
  // Joined with a plain separator both would read "ab|c|USD|100".
  Feed(Payout("p1", 0, 100, "c", "USD", "ab"));
  EXPECT_TRUE(Feed(Payout("p2", 1, 100, "bc", "USD", "a")).empty());
  Feed(Payout("p3", 2, 100, "b|c", "USD", "a"));
  EXPECT_TRUE(Feed(Payout("p4", 3, 100, "c", "USD", "a|b")).empty());
}

TEST_F(DuplicatePayoutTest, SameEventIdIsIdempotent) {
  Feed(Payout("p1", 0));
  EXPECT_TRUE(Feed(Payout("p1", 0)).empty());
  EXPECT_TRUE(Feed(Payout("p1", 5)).empty());
}

TEST_F(DuplicatePayoutTest, LateCopyWithinWindowStillMatches) {
  Feed(Payout("p2", 5 * kMinute));
  // Arrives late with an earlier event time: still 4m apart.
  std::vector<FakeAnnotation> out = Feed(Payout("p1", kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("original_event_id"), "p2");
  // A late copy far before the stored one is not a duplicate.
  Feed(Payout("q2", 60 * kMinute, 7));
  EXPECT_TRUE(Feed(Payout("q1", 30 * kMinute, 7)).empty());
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(DuplicatePayoutParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"window", "ten minutes"}}),
            "parameter 'window': expected a duration such as 250ms, 30s, 5m, "
            "24h or 7d, got 'ten minutes'");
  EXPECT_EQ(CreateError({{"window", "0"}}),
            "parameter 'window': 0ms is out of range [1s, 30d]");
  EXPECT_EQ(CreateError({{"types", ""}}),
            "parameter 'types': needs at least one event type");
  EXPECT_EQ(CreateError({{"types", "PAYOUT,REFUNDS"}})
                .rfind("parameter 'types': unknown event type 'REFUNDS'", 0),
            0u);
}

TEST(PayoutKeyTest, LengthPrefixed) {
  FakeEvent e = Payout("p", 0, 100, "b|c", "USD", "a");
  std::vector<rf_kv> attrs;
  rf_event_view view = e.View(&attrs);
  EXPECT_EQ(PayoutKey(sdk::Event(&view)), "1:a3:b|c3:USD3:100");
}

}  // namespace
}  // namespace duplicate_payout
}  // namespace riskflow
