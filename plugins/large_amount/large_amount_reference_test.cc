// The cross-currency check: currencies without their own threshold are
// converted into the reference currency at a configured rate. The 1.0
// per-currency behaviour is pinned by large_amount_test.cc.
#include <map>
#include <string>
#include <utility>
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
using Evidence = std::vector<std::pair<std::string, std::string>>;

FakeEvent Payout(int64_t minor, const std::string& currency,
                 rf_event_type type = RF_EVENT_PAYOUT) {
  return FakeEvent().Id("p").Type(type).At(1).Account("acc").Amount(minor,
                                                                    currency);
}

// 100,000 CNY, with USD also having its own threshold.
const std::map<std::string, std::string> kCny = {
    {"thresholds", "CNY:10000000,USD:1500000"},
    {"reference_currency", "CNY"},
    {"reference_threshold_minor", "10000000"},
    {"rates", "EUR:7.85, JPY:0.05, KWD:23.1, USD:7.10"},
};

class LargeAmountReferenceTest : public ::testing::Test {
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

TEST_F(LargeAmountReferenceTest, ConvertedAmountFiresWithExactEvidence) {
  Start(kCny);
  // 13,000.00 EUR at 7.85 = 102,050.00 CNY.
  std::vector<FakeAnnotation> out = Feed(Payout(1300000, "EUR"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "LARGE_AMOUNT");
  EXPECT_DOUBLE_EQ(out[0].score, 0.51025);  // 10205000 / (2 * 10000000)
  EXPECT_EQ(out[0].message,
            "amount 1300000 EUR (minor units) is 10205000 CNY at rate 7.85, "
            "at or above the reference threshold of 10000000");
  EXPECT_EQ(out[0].evidence, (Evidence{{"amount_minor", "1300000"},
                                       {"currency", "EUR"},
                                       {"threshold_minor", "10000000"},
                                       {"reference_amount_minor", "10205000"},
                                       {"reference_currency", "CNY"},
                                       {"rate", "7.85"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
}

TEST_F(LargeAmountReferenceTest, JustUnderAndJustOverAfterConversion) {
  Start(kCny);
  // 12,738.85 EUR = 99,999.97 CNY; one cent more = 100,000.05 CNY.
  EXPECT_TRUE(Feed(Payout(1273885, "EUR")).empty());
  std::vector<FakeAnnotation> out = Feed(Payout(1273886, "EUR"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "10000005");
}

TEST_F(LargeAmountReferenceTest, MinorUnitExponentsOfBothSidesApply) {
  Start(kCny);
  // JPY has no minor unit: 2,000,000 JPY at 0.05 = 100,000.00 CNY, exactly
  // the threshold.
  std::vector<FakeAnnotation> out = Feed(Payout(2000000, "JPY"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "10000000");
  EXPECT_TRUE(Feed(Payout(1999999, "JPY")).empty());
  // KWD has three decimals: 4,329.005 KWD at 23.1 = 100,000.02 CNY.
  out = Feed(Payout(4329005, "KWD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "10000002");
  EXPECT_EQ(out[0].Evidence("rate"), "23.1");
}

TEST_F(LargeAmountReferenceTest, ReferenceWithoutMinorUnits) {
  Start({{"thresholds", "CNY:10000000"},
         {"reference_currency", "JPY"},
         {"reference_threshold_minor", "1000000"},
         {"rates", "USD:150"}});
  // 6,666.66 USD = 999,999 JPY; 6,666.68 USD = 1,000,002 JPY.
  EXPECT_TRUE(Feed(Payout(666666, "USD")).empty());
  std::vector<FakeAnnotation> out = Feed(Payout(666668, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "1000002");
  EXPECT_EQ(out[0].Evidence("reference_currency"), "JPY");
}

TEST_F(LargeAmountReferenceTest, RoundsToTheNearestReferenceUnit) {
  // 1,000.00 USD at 7.10 is 7099.999... CNY in binary floating point; it
  // must still reach a threshold of exactly 7,100.00 CNY.
  Start({{"thresholds", "EUR:1"},
         {"reference_currency", "CNY"},
         {"reference_threshold_minor", "710000"},
         {"rates", "USD:7.10"}});
  std::vector<FakeAnnotation> out = Feed(Payout(100000, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "710000");
  EXPECT_EQ(out[0].Evidence("rate"), "7.1");
  EXPECT_TRUE(Feed(Payout(99999, "USD")).empty());
}

TEST_F(LargeAmountReferenceTest, OwnThresholdWinsOverConversion) {
  Start(kCny);
  // 14,999.99 USD is 106,499.93 CNY, but USD's own threshold says 15,000.
  EXPECT_TRUE(Feed(Payout(1499999, "USD")).empty());
  std::vector<FakeAnnotation> out = Feed(Payout(1500000, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].evidence, (Evidence{{"amount_minor", "1500000"},
                                       {"currency", "USD"},
                                       {"threshold_minor", "1500000"}}));
}

TEST_F(LargeAmountReferenceTest, ReferenceCurrencyItselfConvertsAtOne) {
  Start({{"thresholds", "USD:1500000"},
         {"reference_currency", "CNY"},
         {"reference_threshold_minor", "10000000"},
         {"rates", "EUR:7.85"}});
  EXPECT_TRUE(Feed(Payout(9999999, "CNY")).empty());
  std::vector<FakeAnnotation> out = Feed(Payout(10000000, "CNY"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("rate"), "1");
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "10000000");
}

TEST_F(LargeAmountReferenceTest, CurrencyWithoutRateIsNeverGuessed) {
  Start(kCny);
  EXPECT_TRUE(Feed(Payout(999999999999, "GBP")).empty());
  EXPECT_TRUE(Feed(Payout(999999999999, "")).empty());
  // Other types are not checked (default PAYOUT only).
  EXPECT_TRUE(Feed(Payout(999999999, "EUR", RF_EVENT_PAYMENT)).empty());
}

TEST_F(LargeAmountReferenceTest, HugeAmountsSaturate) {
  Start(kCny);
  std::vector<FakeAnnotation> out = Feed(Payout(9000000000000000000, "KWD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_amount_minor"), "9223372036854775807");
  EXPECT_DOUBLE_EQ(out[0].score, 1.0);
}

std::string CreateError(std::map<std::string, std::string> params) {
  params.emplace("thresholds", "CNY:10000000");
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(LargeAmountReferenceParamsTest, IncompleteSetsAreRefusedByName) {
  const std::string kNeedsCurrency =
      "': needs parameter 'reference_currency' (the currency that "
      "reference_threshold_minor is in and rates convert to)";
  EXPECT_EQ(CreateError({{"reference_threshold_minor", "5"}}),
            "parameter 'reference_threshold_minor" + kNeedsCurrency);
  EXPECT_EQ(
      CreateError({{"reference_threshold_minor", "5"}, {"rates", "USD:7"}}),
      "parameter 'reference_threshold_minor" + kNeedsCurrency);
  EXPECT_EQ(CreateError({{"rates", "USD:7"}}),
            "parameter 'rates" + kNeedsCurrency);
  EXPECT_EQ(CreateError({{"reference_currency", "CNY"}, {"rates", "USD:7"}}),
            "parameter 'reference_currency': needs parameter "
            "'reference_threshold_minor' (the threshold in minor units of "
            "the reference currency)");
  EXPECT_EQ(CreateError({{"reference_currency", "CNY"},
                         {"reference_threshold_minor", "5"}}),
            "parameter 'rates': required with 'reference_currency'; list "
            "CUR:rate items (reference units per 1 unit of CUR), e.g. "
            "USD:7.10,EUR:7.85");
}

TEST(LargeAmountReferenceParamsTest, BadValuesAreRefusedByName) {
  auto with = [](std::string currency, std::string threshold,
                 std::string rates) {
    return CreateError({{"reference_currency", std::move(currency)},
                        {"reference_threshold_minor", std::move(threshold)},
                        {"rates", std::move(rates)}});
  };
  EXPECT_EQ(with("cny", "5", "USD:7"),
            "parameter 'reference_currency': 'cny' is not a 3-letter "
            "upper-case currency code");
  EXPECT_EQ(with("CNY", "0", "USD:7"),
            "parameter 'reference_threshold_minor': 0 is out of range [1, "
            "1000000000000000]");
  EXPECT_EQ(with("CNY", "lots", "USD:7"),
            "parameter 'reference_threshold_minor': expected an integer, got "
            "'lots'");
  for (const char* item :
       {"USD7.1", "USD:0", "USD:-1", "usd:7", "USD:x", "USD:", "USD:inf"}) {
    EXPECT_EQ(with("CNY", "5", std::string("EUR:7.85,") + item),
              "parameter 'rates': item '" + std::string(item) +
                  "' is not CUR:positive-number (e.g. USD:7.10)")
        << item;
  }
  EXPECT_EQ(with("CNY", "5", "USD:7,USD:7.1"),
            "parameter 'rates': currency USD is listed twice");
  EXPECT_EQ(with("CNY", "5", "CNY:2"),
            "parameter 'rates': the reference currency CNY converts at 1, "
            "not 2");
  EXPECT_EQ(with("CNY", "5", " "),
            "parameter 'rates': needs at least one CUR:rate item");
}

TEST(LargeAmountReferenceParamsTest, ReferenceRateOfOneIsAccepted) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  EXPECT_TRUE(host.Create({{"thresholds", "USD:1"},
                           {"reference_currency", "CNY"},
                           {"reference_threshold_minor", "5"},
                           {"rates", "CNY:1,EUR:7.85"}})
                  .ok())
      << host.last_error();
}

}  // namespace
}  // namespace large_amount
}  // namespace riskflow
