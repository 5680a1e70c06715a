#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/new_beneficiary/new_beneficiary_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace new_beneficiary {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;
constexpr char kThresholds[] = "CNY:5000000,USD:700000";

FakeEvent Change(const std::string& id, int64_t t,
                 const std::string& counterparty = "bene1",
                 const std::string& field = "beneficiary",
                 const std::string& account = "acc") {
  return FakeEvent()
      .Id(id)
      .Type(RF_EVENT_PROFILE_CHANGE)
      .At(t)
      .Account(account)
      .Counterparty(counterparty)
      .Attr("field", field);
}

FakeEvent Payout(const std::string& id, int64_t t, int64_t minor = 700000,
                 const std::string& currency = "USD",
                 const std::string& counterparty = "bene1",
                 const std::string& account = "acc") {
  return FakeEvent()
      .Id(id)
      .Type(RF_EVENT_PAYOUT)
      .At(t)
      .Account(account)
      .Counterparty(counterparty)
      .Amount(minor, currency);
}

class NewBeneficiaryTest : public ::testing::Test {
 protected:
  void Start(std::map<std::string, std::string> params = {}) {
    params.emplace("thresholds", kThresholds);
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(NewBeneficiaryTest, LargePayoutSoonAfterChangeFiresWithExactEvidence) {
  Start();
  EXPECT_TRUE(Feed(Change("c1", 1000)).empty());
  std::vector<FakeAnnotation> out =
      Feed(Payout("p1", 1000 + 90 * kMinute + 59999));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "new_beneficiary");
  EXPECT_EQ(out[0].reason_code, "NEW_BENEFICIARY_LARGE_PAYOUT");
  EXPECT_EQ(out[0].message,
            "payout of 700000 USD (minor units) to bene1 90 min after it was "
            "added as a beneficiary");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"profile_change_event_id", "c1"},
                                 {"minutes_since_change", "90"},
                                 {"amount_minor", "700000"},
                                 {"threshold_minor", "700000"},
                                 {"currency", "USD"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
  EXPECT_DOUBLE_EQ(out[0].score, 0.8);
}

TEST_F(NewBeneficiaryTest, BankAccountChangeAndEveryLargePayoutInWindow) {
  Start();
  Feed(Change("c1", 0, "iban9", "bank_account"));
  EXPECT_EQ(Feed(Payout("p1", kHour, 6000000, "CNY", "iban9")).size(), 1u);
  // A second large payout in the window is reviewed too.
  std::vector<FakeAnnotation> out =
      Feed(Payout("p2", 2 * kHour, 5000000, "CNY", "iban9"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("minutes_since_change"), "120");
  EXPECT_EQ(out[0].Evidence("threshold_minor"), "5000000");
}

// The payout's window is (t - 24h, t] (docs/windows.md): a change exactly
// 24h before is outside, 1 ms later inside, the same millisecond inside.
TEST_F(NewBeneficiaryTest, WindowIsHalfOpen) {
  Start();
  Feed(Change("c1", 0));
  EXPECT_EQ(Feed(Payout("p1", 24 * kHour - 1)).size(), 1u);
  EXPECT_TRUE(Feed(Payout("p2", 24 * kHour)).empty());
  EXPECT_TRUE(Feed(Payout("p3", 24 * kHour + 1)).empty());
}

TEST_F(NewBeneficiaryTest, PayoutInTheSameMillisecondAsTheChangeFires) {
  Start();
  Feed(Change("c1", 5000));
  std::vector<FakeAnnotation> out = Feed(Payout("p1", 5000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("minutes_since_change"), "0");
  // 1 ms before the change (a late payout): not to the new beneficiary.
  EXPECT_TRUE(Feed(Payout("p2", 4999)).empty());
}

TEST_F(NewBeneficiaryTest, LaterChangeRestartsTheWindow) {
  Start();
  Feed(Change("c1", 0));
  Feed(Change("c2", 20 * kHour));
  std::vector<FakeAnnotation> out = Feed(Payout("p1", 30 * kHour));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("profile_change_event_id"), "c2");
  EXPECT_EQ(out[0].Evidence("minutes_since_change"), "600");
}

TEST_F(NewBeneficiaryTest, LateChangeDoesNotMoveTheWindowBack) {
  Start();
  Feed(Change("c2", 20 * kHour));
  Feed(Change("c1", 0));  // arrives late
  std::vector<FakeAnnotation> out = Feed(Payout("p1", 30 * kHour));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("profile_change_event_id"), "c2");
}

TEST_F(NewBeneficiaryTest, NearMissesDoNotFire) {
  Start();
  Feed(Change("c1", 0));
  EXPECT_TRUE(Feed(Payout("p1", kMinute, 699999)).empty());  // under
  EXPECT_TRUE(
      Feed(Payout("p2", kMinute, 9999999, "EUR")).empty());  // no threshold
  EXPECT_TRUE(Feed(Payout("p3", kMinute, 9999999, "USD", "bene2")).empty());
  EXPECT_TRUE(
      Feed(Payout("p4", kMinute, 9999999, "USD", "bene1", "acc2")).empty());
  // Default types: PAYOUT only.
  EXPECT_TRUE(Feed(Payout("p5", kMinute).Type(RF_EVENT_TRANSFER)).empty());
  // A payout that happened before the change (arriving late) does not count.
  EXPECT_TRUE(Feed(Payout("p6", -kMinute)).empty());
}

TEST_F(NewBeneficiaryTest, OtherProfileChangesDoNotOpenAWindow) {
  Start();
  Feed(Change("c1", 0, "bene1", "email"));
  Feed(Change("c2", 0, "bene2", "").Attr("field", "phone"));
  FakeEvent no_field = Change("c3", 0, "bene3");
  no_field.attributes.clear();
  Feed(no_field);
  EXPECT_TRUE(Feed(Payout("p1", kMinute, 9999999, "USD", "bene1")).empty());
  EXPECT_TRUE(Feed(Payout("p2", kMinute, 9999999, "USD", "bene2")).empty());
  EXPECT_TRUE(Feed(Payout("p3", kMinute, 9999999, "USD", "bene3")).empty());
}

TEST_F(NewBeneficiaryTest, FieldsAndTypesParametersAreHonoured) {
  Start({{"fields", "payee"}, {"types", "PAYOUT,TRANSFER"}, {"window", "1h"}});
  Feed(Change("c1", 0, "bene1", "beneficiary"));  // not listed any more
  EXPECT_TRUE(Feed(Payout("p1", kMinute)).empty());
  Feed(Change("c2", 0, "bene2", "payee"));
  EXPECT_EQ(Feed(Payout("p2", kHour - 1, 700000, "USD", "bene2")
                    .Type(RF_EVENT_TRANSFER))
                .size(),
            1u);
  // Exactly 1h: outside the half-open window (1.0.0 still fired here).
  EXPECT_TRUE(Feed(Payout("p3", kHour, 700000, "USD", "bene2")).empty());
}

TEST(BeneficiaryKeyTest, AccountFirstAndUnambiguous) {
  EXPECT_EQ(BeneficiaryKey("acc", "b"), std::string("acc\x1f"
                                                    "b"));
  EXPECT_NE(BeneficiaryKey("ab", "c"), BeneficiaryKey("a", "bc"));
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(NewBeneficiaryParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({}), "parameter 'thresholds': required but not given");
  EXPECT_EQ(CreateError({{"thresholds", "USD:0"}}),
            "parameter 'thresholds': item 'USD:0' is not CUR:minor_units with "
            "a 3-letter upper-case currency and a positive integer (e.g. "
            "USD:1500000)");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5,USD:6"}}),
            "parameter 'thresholds': currency USD is listed twice");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"}, {"fields", " , "}}),
            "parameter 'fields': needs at least one field");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"}, {"fields", "a,a"}}),
            "parameter 'fields': field 'a' listed twice");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"}, {"window", "30s"}}),
            "parameter 'window': 30s is out of range [1m, 30d]");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"}, {"types", "PAYOTU"}})
                .rfind("parameter 'types': unknown event type 'PAYOTU'", 0),
            0u);
  EXPECT_EQ(CreateError(
                {{"thresholds", "USD:5"}, {"types", "PAYOUT,PROFILE_CHANGE"}}),
            "parameter 'types': PROFILE_CHANGE cannot be a checked payout "
            "type");
}

}  // namespace
}  // namespace new_beneficiary
}  // namespace riskflow
