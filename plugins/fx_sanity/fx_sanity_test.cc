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

TEST_F(FxSanityTest, MissingPairIsSkippedNeverDerivedAndLoggedOnce) {
  Start();
  EXPECT_TRUE(Feed(FxPayout(10000, "EUR", 1, "USD")).empty());
  EXPECT_TRUE(Feed(FxPayout(10000, "EUR", 2, "USD")).empty());
  // The inverse of a listed pair is not derived from it.
  EXPECT_TRUE(Feed(FxPayout(71000, "CNY", 1, "USD")).empty());
  ASSERT_EQ(host_.logs().size(), 2u);
  EXPECT_EQ(host_.logs()[0].message,
            "fx_sanity: no reference rate for EUR/USD; payouts in this pair "
            "are not checked");
  EXPECT_EQ(host_.logs()[1].level, RF_LOG_INFO);
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
}

}  // namespace
}  // namespace fx_sanity
}  // namespace riskflow
