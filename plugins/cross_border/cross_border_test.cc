#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/cross_border/cross_border_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace cross_border {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr char kThresholds[] = "CNY:5000000,USD:700000";

FakeEvent Send(int64_t minor, const std::string& currency,
               const std::string& from, const std::string& to,
               rf_event_type type = RF_EVENT_PAYOUT) {
  FakeEvent e = FakeEvent()
                    .Id("x")
                    .Type(type)
                    .At(1000)
                    .Account("acc")
                    .Counterparty("bob")
                    .Amount(minor, currency);
  e.country = from;
  e.counterparty_country = to;
  return e;
}

class CrossBorderTest : public ::testing::Test {
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

TEST_F(CrossBorderTest, LargeForeignPayoutFiresWithExactEvidence) {
  Start();
  std::vector<FakeAnnotation> out = Feed(Send(5000000, "CNY", "CN", "SG"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "cross_border");
  EXPECT_EQ(out[0].reason_code, "CROSS_BORDER_LARGE");
  EXPECT_EQ(out[0].message,
            "cross-border CN-SG payment of 5000000 CNY (minor units) is at or "
            "above the threshold of 5000000");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"from_country", "CN"},
                                 {"to_country", "SG"},
                                 {"amount_minor", "5000000"},
                                 {"threshold_minor", "5000000"},
                                 {"currency", "CNY"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
  EXPECT_DOUBLE_EQ(out[0].score, 0.6);
  // TRANSFER is checked by default too.
  EXPECT_EQ(Feed(Send(700000, "USD", "US", "MX", RF_EVENT_TRANSFER)).size(),
            1u);
}

TEST_F(CrossBorderTest, NearMissesDoNotFire) {
  Start();
  EXPECT_TRUE(Feed(Send(4999999, "CNY", "CN", "SG")).empty());  // under
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "CN", "CN")).empty());  // domestic
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "CN", "cn")).empty());  // case only
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "", "SG")).empty());    // unknown
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "CN", "")).empty());
  EXPECT_TRUE(Feed(Send(9999999, "EUR", "DE", "CN")).empty());  // no threshold
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "CN", "SG", RF_EVENT_PAYMENT)).empty());
}

TEST_F(CrossBorderTest, LowerCaseCountriesAreNormalised) {
  Start();
  std::vector<FakeAnnotation> out = Feed(Send(5000000, "CNY", "cn", "sg"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("from_country"), "CN");
  EXPECT_EQ(out[0].Evidence("to_country"), "SG");
}

TEST_F(CrossBorderTest, AllowedCorridorsAreDirectional) {
  Start({{"allowed_corridors", "CN-HK, HK-CN, US-MX"}});
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "CN", "HK")).empty());
  EXPECT_TRUE(Feed(Send(9999999, "CNY", "hk", "cn")).empty());
  EXPECT_TRUE(Feed(Send(9999999, "USD", "US", "MX")).empty());
  // The reverse of US-MX is not listed.
  std::vector<FakeAnnotation> out = Feed(Send(9999999, "USD", "MX", "US"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("from_country"), "MX");
}

TEST_F(CrossBorderTest, TypesParameterIsHonoured) {
  Start({{"types", "PAYMENT"}});
  EXPECT_EQ(Feed(Send(700000, "USD", "US", "GB", RF_EVENT_PAYMENT)).size(), 1u);
  EXPECT_TRUE(Feed(Send(700000, "USD", "US", "GB")).empty());
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(CrossBorderParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({}), "parameter 'thresholds': required but not given");
  EXPECT_EQ(CreateError({{"thresholds", "USD:1.5"}}),
            "parameter 'thresholds': item 'USD:1.5' is not CUR:minor_units "
            "with a 3-letter upper-case currency and a positive integer (e.g. "
            "USD:1500000)");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5,USD:6"}}),
            "parameter 'thresholds': currency USD is listed twice");
  EXPECT_EQ(CreateError({{"thresholds", ","}}),
            "parameter 'thresholds': needs at least one CUR:minor_units item");
  for (const char* item : {"CNHK", "cn-HK", "CN-HKG", "CN_HK", "C-HK"}) {
    EXPECT_EQ(
        CreateError({{"thresholds", "USD:5"}, {"allowed_corridors", item}}),
        "parameter 'allowed_corridors': item '" + std::string(item) +
            "' is not FROM-TO with two upper-case ISO alpha-2 codes "
            "(e.g. CN-HK)")
        << item;
  }
  EXPECT_EQ(
      CreateError({{"thresholds", "USD:5"}, {"allowed_corridors", "CN-CN"}}),
      "parameter 'allowed_corridors': item 'CN-CN' is not cross-border");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"},
                         {"allowed_corridors", "CN-HK,CN-HK"}}),
            "parameter 'allowed_corridors': corridor CN-HK is listed twice");
  EXPECT_EQ(CreateError({{"thresholds", "USD:5"}, {"types", ""}}),
            "parameter 'types': needs at least one event type");
}

}  // namespace
}  // namespace cross_border
}  // namespace riskflow
