#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/large_amount/large_amount_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace large_amount {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr char kThresholds[] = "CNY:10000000, USD:1500000";

FakeEvent Payout(int64_t minor, const std::string& currency,
                 rf_event_type type = RF_EVENT_PAYOUT) {
  return FakeEvent().Id("p").Type(type).At(0).Account("acc").Amount(minor,
                                                                    currency);
}

class LargeAmountTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(LargeAmountTest, FiresAtTheThresholdWithExactEvidence) {
  Start({{"thresholds", kThresholds}});
  std::vector<FakeAnnotation> out = Feed(Payout(1500000, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "large_amount");
  EXPECT_EQ(out[0].reason_code, "LARGE_AMOUNT");
  EXPECT_DOUBLE_EQ(out[0].score, 0.5);
  EXPECT_EQ(out[0].message,
            "amount 1500000 USD (minor units) is at or above the threshold "
            "of 1500000");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"amount_minor", "1500000"},
                                 {"currency", "USD"},
                                 {"threshold_minor", "1500000"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);

  out = Feed(Payout(50000000, "CNY"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("threshold_minor"), "10000000");
  EXPECT_DOUBLE_EQ(out[0].score, 1.0);  // capped
}

TEST_F(LargeAmountTest, NearMissesDoNotFire) {
  Start({{"thresholds", kThresholds}});
  EXPECT_TRUE(Feed(Payout(1499999, "USD")).empty());     // one minor unit below
  EXPECT_TRUE(Feed(Payout(9999999999, "EUR")).empty());  // currency not listed
  EXPECT_TRUE(Feed(Payout(1500000, "usd")).empty());     // codes are exact
  // Default types = PAYOUT only.
  EXPECT_TRUE(Feed(Payout(9999999999, "USD", RF_EVENT_PAYMENT)).empty());
}

TEST_F(LargeAmountTest, TypesParameterWidensTheCheck) {
  Start({{"thresholds", "USD:100"}, {"types", "PAYMENT,TRANSFER"}});
  EXPECT_EQ(Feed(Payout(100, "USD", RF_EVENT_TRANSFER)).size(), 1u);
  EXPECT_TRUE(Feed(Payout(100, "USD", RF_EVENT_PAYOUT)).empty());
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(LargeAmountParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({}), "parameter 'thresholds': required but not given");
  const std::string kShape =
      "' is not CUR:minor_units with a 3-letter upper-case currency and a "
      "positive integer (e.g. USD:1500000)";
  for (const char* item :
       {"USD1500", "usd:5", "USD:-5", "USD:0", "USD:abc", "USDX:5", ":5",
        "USD:", "USD:1:2", "USD:99999999999999999999"}) {
    EXPECT_EQ(CreateError({{"thresholds", std::string("CNY:1,") + item}}),
              "parameter 'thresholds': item '" + std::string(item) + kShape)
        << item;
  }
  EXPECT_EQ(CreateError({{"thresholds", "USD:5,USD:6"}}),
            "parameter 'thresholds': currency USD is listed twice");
  EXPECT_EQ(CreateError({{"thresholds", " , "}}),
            "parameter 'thresholds': needs at least one CUR:minor_units item");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"}, {"types", "PAYOTU"}})
                .rfind("parameter 'types': unknown event type 'PAYOTU'", 0),
            0u);
}

}  // namespace
}  // namespace large_amount
}  // namespace riskflow
