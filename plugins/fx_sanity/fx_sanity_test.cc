#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/fx_sanity/fx_sanity_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace fx_sanity {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr char kRates[] = "USD/CNY:7.10, EUR/CNY:7.80, JPY/USD:0.0067";

// An FX payout: charged `source_minor` of `source`, paid `minor` of `cur`.
FakeEvent FxPayout(int64_t source_minor, const std::string& source,
                   int64_t minor, const std::string& cur,
                   rf_event_type type = RF_EVENT_PAYOUT) {
  FakeEvent e = FakeEvent()
                    .Id("fx")
                    .Type(type)
                    .At(1000)
                    .Account("acc")
                    .Counterparty("bob")
                    .Amount(minor, cur);
  e.source_amount_minor = source_minor;
  e.source_currency = source;
  return e;
}

class FxSanityTest : public ::testing::Test {
 protected:
  void Start(std::map<std::string, std::string> params = {}) {
    params.emplace("rates", kRates);
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(FxSanityTest, DeviatingRateFiresWithExactEvidence) {
  Start();
  // 100.00 USD charged, 750.00 CNY paid: 7.5 against 7.10.
  std::vector<FakeAnnotation> out = Feed(FxPayout(10000, "USD", 75000, "CNY"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "fx_sanity");
  EXPECT_EQ(out[0].reason_code, "FX_RATE_DEVIATION");
  EXPECT_EQ(out[0].message,
            "effective USD/CNY rate 7.5 deviates 5.6338% from the reference "
            "7.1 (limit 2%)");
  EXPECT_EQ(out[0].evidence, (std::vector<std::pair<std::string, std::string>>{
                                 {"effective_rate", "7.5"},
                                 {"reference_rate", "7.1"},
                                 {"deviation_percent", "5.6338"},
                                 {"pair", "USD/CNY"}}));
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
  EXPECT_DOUBLE_EQ(out[0].score, 1.0);
}

TEST_F(FxSanityTest, LimitIsExclusiveOnBothSides) {
  Start();
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 71000, "CNY")).empty());  // exact
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 72419, "CNY")).empty());
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 72420, "CNY")).empty());  // 2.0%
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 69580, "CNY")).empty());  // -2.0%
  std::vector<FakeAnnotation> out = Feed(FxPayout(10000, "USD", 72421, "CNY"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("effective_rate"), "7.2421");
  EXPECT_EQ(out[0].Evidence("deviation_percent"), "2.0014");
  EXPECT_NEAR(out[0].score, 0.5004, 1e-4);
  // Paying out too little is as wrong as paying out too much.
  out = Feed(FxPayout(10000, "USD", 69579, "CNY"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("effective_rate"), "6.9579");
}

TEST_F(FxSanityTest, MinorUnitExponentsAreApplied) {
  Start();
  // 100000 JPY (no minor unit) -> 670.00 USD: exactly 0.0067.
  EXPECT_TRUE(Feed(FxPayout(100000, "JPY", 67000, "USD")).empty());
  std::vector<FakeAnnotation> out = Feed(FxPayout(100000, "JPY", 80000, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("effective_rate"), "0.008");
  EXPECT_EQ(out[0].Evidence("reference_rate"), "0.0067");
  EXPECT_EQ(out[0].Evidence("deviation_percent"), "19.403");
  EXPECT_EQ(out[0].Evidence("pair"), "JPY/USD");
}

TEST_F(FxSanityTest, MissingPairIsSkippedAndLoggedOnce) {
  Start();
  EXPECT_TRUE(Feed(FxPayout(10000, "EUR", 1, "USD")).empty());
  EXPECT_TRUE(Feed(FxPayout(10000, "EUR", 2, "USD")).empty());
  // Neither EUR/USD nor USD/EUR is listed: nothing to derive from.
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 1, "EUR")).empty());
  ASSERT_EQ(host_.logs().size(), 2u);
  EXPECT_EQ(host_.logs()[0].message,
            "fx_sanity: no reference rate for EUR/USD; payouts in this pair "
            "are not checked");
  EXPECT_EQ(host_.logs()[1].level, RF_LOG_INFO);
}

// A CNY-funded USD payout: only USD/CNY 7.10 is listed, so CNY/USD is
// checked against exactly 1/7.10.
TEST_F(FxSanityTest, InverseOfAListedPairIsDerived) {
  Start();
  // 710.00 CNY charged, 100.00 USD paid: exactly 1/7.10.
  EXPECT_TRUE(Feed(FxPayout(71000, "CNY", 10000, "USD")).empty());
  // 2% off 1/7.10 on either side stays quiet (the limit is exclusive).
  EXPECT_TRUE(Feed(FxPayout(71000, "CNY", 10200, "USD")).empty());
  EXPECT_TRUE(Feed(FxPayout(71000, "CNY", 9800, "USD")).empty());
  std::vector<FakeAnnotation> out = Feed(FxPayout(71000, "CNY", 10500, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("pair"), "CNY/USD");
  EXPECT_EQ(out[0].Evidence("inverse_of"), "USD/CNY");
  EXPECT_EQ(out[0].Evidence("reference_rate"), "0.140845");
  EXPECT_EQ(out[0].Evidence("effective_rate"), "0.147887");
  EXPECT_EQ(out[0].Evidence("deviation_percent"), "5");
  EXPECT_EQ(out[0].message,
            "effective CNY/USD rate 0.147887 deviates 5% from the reference "
            "0.140845 (limit 2%)");
  out = Feed(FxPayout(71000, "CNY", 9000, "USD"));  // too little paid
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("deviation_percent"), "10");
  // No log line: the pair was checked, not missing.
  EXPECT_TRUE(host_.logs().empty());
}

TEST_F(FxSanityTest, ListedInverseWinsOverTheDerivedOne) {
  Start({{"rates", "USD/CNY:7.10,CNY/USD:0.15"}});
  // 0.15 listed for CNY/USD: 1/7.10 = 0.1408 is 6% off it.
  EXPECT_TRUE(Feed(FxPayout(100000, "CNY", 15000, "USD")).empty());
  std::vector<FakeAnnotation> out = Feed(FxPayout(100000, "CNY", 14085, "USD"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("reference_rate"), "0.15");
  EXPECT_EQ(out[0].Evidence("inverse_of"), "");
}

TEST_F(FxSanityTest, DeriveInverseFalseSkipsTheInverse) {
  Start({{"derive_inverse", "false"}});
  EXPECT_TRUE(Feed(FxPayout(71000, "CNY", 1, "USD")).empty());
  ASSERT_EQ(host_.logs().size(), 1u);
  EXPECT_EQ(host_.logs()[0].message,
            "fx_sanity: no reference rate for CNY/USD; payouts in this pair "
            "are not checked");
}

TEST_F(FxSanityTest, MinAmountFloorSkipsTinyPayouts) {
  Start({{"min_amount", "CNY:1000,USD:200"}});
  // 1.00 CNY for 0.13 USD is 7.69 per USD (8% off) on rounding alone.
  EXPECT_TRUE(Feed(FxPayout(13, "USD", 100, "CNY")).empty());
  EXPECT_TRUE(Feed(FxPayout(130, "USD", 999, "CNY")).empty());
  // At the floor the check applies.
  EXPECT_EQ(Feed(FxPayout(130, "USD", 1000, "CNY")).size(), 1u);
  // The floor is per paid-out currency; the derived CNY/USD has its own.
  EXPECT_TRUE(Feed(FxPayout(1000, "CNY", 199, "USD")).empty());
  EXPECT_EQ(Feed(FxPayout(1000, "CNY", 200, "USD")).size(), 1u);
  // A currency without a floor is always checked.
  EXPECT_EQ(Feed(FxPayout(1, "USD", 100, "JPY")).size(), 1u);
}

TEST_F(FxSanityTest, NonFxEventsAreSkipped) {
  Start();
  EXPECT_TRUE(Feed(FxPayout(10000, "CNY", 1, "CNY")).empty());  // same currency
  EXPECT_TRUE(Feed(FxPayout(0, "USD", 1, "CNY")).empty());   // nothing charged
  EXPECT_TRUE(Feed(FxPayout(10000, "", 1, "CNY")).empty());  // no source
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 1, "CNY", RF_EVENT_PAYMENT)).empty());
}

TEST_F(FxSanityTest, LimitAndTypesParametersAreHonoured) {
  Start({{"max_deviation_percent", "10"}, {"types", "PAYOUT,TRANSFER"}});
  EXPECT_TRUE(Feed(FxPayout(10000, "USD", 75000, "CNY")).empty());  // 5.6%
  std::vector<FakeAnnotation> out =
      Feed(FxPayout(10000, "EUR", 100000, "CNY", RF_EVENT_TRANSFER));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("deviation_percent"), "28.2051");
  EXPECT_EQ(out[0].message,
            "effective EUR/CNY rate 10 deviates 28.2051% from the reference "
            "7.8 (limit 10%)");
}

TEST(FormatDecimalTest, TrimsTrailingZeros) {
  EXPECT_EQ(FormatDecimal(7.10, 6), "7.1");
  EXPECT_EQ(FormatDecimal(10.0, 6), "10");
  EXPECT_EQ(FormatDecimal(0.0000004, 6), "0");
  EXPECT_EQ(FormatDecimal(2.00140845, 4), "2.0014");
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(FxSanityParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({}), "parameter 'rates': required but not given");
  const std::string kShape =
      "' is not SRC/DST:rate with 3-letter upper-case currencies and a "
      "positive number (e.g. USD/CNY:7.10)";
  for (const char* item : {"USDCNY:7.1", "usd/CNY:7.1", "USD/CNY:0",
                           "USD/CNY:-1", "USD/CNY:", "USD/CNY", "USD/CN:7",
                           "USD/CNY:7.1x", "USD/CNY:inf", "USD-CNY:7.1"}) {
    EXPECT_EQ(CreateError({{"rates", std::string("EUR/CNY:7.8,") + item}}),
              "parameter 'rates': item '" + std::string(item) + kShape)
        << item;
  }
  EXPECT_EQ(CreateError({{"rates", "USD/USD:1"}}),
            "parameter 'rates': item 'USD/USD:1' converts a currency into "
            "itself");
  EXPECT_EQ(CreateError({{"rates", "USD/CNY:7.1,USD/CNY:7.2"}}),
            "parameter 'rates': pair USD/CNY is listed twice");
  EXPECT_EQ(CreateError({{"rates", " , "}}),
            "parameter 'rates': needs at least one SRC/DST:rate item");
  EXPECT_EQ(CreateError({{"rates", kRates}, {"max_deviation_percent", "-1"}})
                .rfind("parameter 'max_deviation_percent': ", 0),
            0u);
  EXPECT_EQ(CreateError({{"rates", kRates}, {"max_deviation_percent", "x"}})
                .rfind("parameter 'max_deviation_percent': ", 0),
            0u);
  EXPECT_EQ(CreateError({{"rates", kRates}, {"types", "PAYOTU"}})
                .rfind("parameter 'types': unknown event type 'PAYOTU'", 0),
            0u);
  EXPECT_EQ(CreateError({{"rates", kRates}, {"min_amount", "CNY:0"}}),
            "parameter 'min_amount': item 'CNY:0' is not CUR:minor_units with "
            "a 3-letter upper-case currency and a positive integer (e.g. "
            "USD:1500000)");
  EXPECT_EQ(CreateError({{"rates", kRates}, {"min_amount", "CNY:1,CNY:2"}}),
            "parameter 'min_amount': currency CNY is listed twice");
  EXPECT_EQ(CreateError({{"rates", kRates}, {"derive_inverse", "yes"}})
                .rfind("parameter 'derive_inverse': ", 0),
            0u);
}

}  // namespace
}  // namespace fx_sanity
}  // namespace riskflow
