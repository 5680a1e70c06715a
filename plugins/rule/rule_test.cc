// The rule detector through the SDK's fake host: aggregates, reasons with
// placeholders, the lifecycle modes, on_error for run-time errors and the
// step budget, keys, and refused parameters.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/rule/canary.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace rule {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

std::string RuleSet(const std::string& mode_lines) {
  return R"(aggregate payouts:
  kind: count
  types: [PAYOUT]
  window: 1d
  bucket: 1s

rule many_payouts:
  when: type == "PAYOUT" && amount >= 100000 && count(payouts, 1h) > 3
  route: FREEZE
  reason: "{count(payouts, 1h)} payouts in 1h, the last {amount} {currency} to {counterparty}"
)" + mode_lines;
}

FakeEvent Payout(int i, const std::string& account = "acct-1") {
  return FakeEvent()
      .Id("e" + std::to_string(i))
      .Type(RF_EVENT_PAYOUT)
      .At(kT0 + i * 1000)
      .Account(account)
      .Counterparty("bene-" + std::to_string(i))
      .Amount(150000, "CNY");
}

std::vector<FakeAnnotation> FeedPayouts(FakeHost& host, int n,
                                        const std::string& account = "acct-1") {
  std::vector<FakeAnnotation> last;
  for (int i = 0; i < n; ++i) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host.Feed(Payout(i, account), &out).ok()) << host.last_error();
    last = out;
  }
  return last;
}

TEST(RuleDetectorTest, LiveRuleRoutesWithTheSubstitutedReason) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"rules", RuleSet("  mode: live\n")}}).ok())
      << host.last_error();
  std::vector<FakeAnnotation> out = FeedPayouts(host, 3);
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(host.Feed(Payout(3), &out).ok());  // the 4th in an hour
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "MANY_PAYOUTS");
  EXPECT_EQ(out[0].message, "4 payouts in 1h, the last 150000 CNY to bene-3");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);
  EXPECT_EQ(out[0].Evidence("rule"), "many_payouts");
  EXPECT_EQ(out[0].Evidence("mode"), "live");
  EXPECT_EQ(out[0].Evidence("route"), "FREEZE");
}

TEST(RuleDetectorTest, ShadowRuleRecordsWhatItWouldRouteAndRoutesNothing) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"rules", RuleSet("")}}).ok()) << host.last_error();
  std::vector<FakeAnnotation> out = FeedPayouts(host, 4);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_PASS);
  EXPECT_EQ(out[0].Evidence("mode"), "shadow");
  EXPECT_EQ(out[0].Evidence("would_route"), "FREEZE");
  EXPECT_EQ(out[0].Evidence("route"), "");
}

TEST(RuleDetectorTest, CanaryRoutesForAStableShareOfAccounts) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(
      host.Create({{"rules", RuleSet("  mode: canary\n  canary_percent: 30\n")}})
          .ok())
      << host.last_error();
  int routed = 0;
  const int kAccounts = 200;
  for (int a = 0; a < kAccounts; ++a) {
    const std::string account = "acct-" + std::to_string(a);
    std::vector<FakeAnnotation> out = FeedPayouts(host, 4, account);
    ASSERT_EQ(out.size(), 1u) << account;
    const bool in = InCanary(account, 30);
    EXPECT_EQ(out[0].route_hint, in ? RF_ROUTE_FREEZE : RF_ROUTE_PASS);
    EXPECT_EQ(out[0].Evidence("mode"), in ? "canary" : "canary_shadow");
    routed += in;
  }
  // FNV-1a spreads account ids evenly enough: 30% +- a few points.
  EXPECT_GT(routed, kAccounts * 20 / 100);
  EXPECT_LT(routed, kAccounts * 40 / 100);
  // Stable: the same account always lands in the same bucket, and 0% / 100%
  // are none / all.
  EXPECT_EQ(CanaryBucket("acct-7"), CanaryBucket(std::string("acct-7")));
  EXPECT_FALSE(InCanary("acct-7", 0));
  EXPECT_TRUE(InCanary("acct-7", 100));
}

TEST(RuleDetectorTest, RuntimeErrorTakesTheOnErrorRoute) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"rules", R"(rule ratio:
  when: amount / (amount - 150000) > 2
  route: FREEZE
  mode: live

rule ratio_pass:
  when: amount / (amount - 150000) > 2
  route: FREEZE
  on_error: PASS
  mode: live

rule ratio_shadow:
  when: amount * 100000000000000 > 0
  route: FREEZE
  on_error: FREEZE
)"}})
                  .ok())
      << host.last_error();
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(Payout(0), &out).ok()) << host.last_error();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].reason_code, "RULE_ERROR");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);  // the default
  EXPECT_EQ(out[0].Evidence("error"), "division by zero");
  EXPECT_EQ(out[0].message,
            "rule 'ratio' could not be evaluated: division by zero at line 2, "
            "column 16 of the rules");
  EXPECT_EQ(out[1].route_hint, RF_ROUTE_PASS);
  EXPECT_EQ(out[1].Evidence("route"), "PASS");
  // A shadow rule's error routes nothing either; it says what it would do.
  EXPECT_EQ(out[2].Evidence("error"), "integer overflow");
  EXPECT_EQ(out[2].route_hint, RF_ROUTE_PASS);
  EXPECT_EQ(out[2].Evidence("would_route"), "FREEZE");
  // Other events are unaffected: no error, only the (shadow) match.
  ASSERT_TRUE(host.Feed(Payout(1).Amount(10, "CNY"), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "RATIO_SHADOW");
  EXPECT_EQ(out[0].Evidence("mode"), "shadow");
}

TEST(RuleDetectorTest, StepBudgetStopsTheRuleAndTakesOnError) {
  std::string when = "amount > 0";
  for (int i = 0; i < 60; ++i) when += " && amount > " + std::to_string(i);
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"rules", "rule long:\n  when: " + when +
                                         "\n  route: NOTIFY\n  mode: live\n"
                                         "  on_error: MANUAL_REVIEW\n"},
                           {"max_steps", "100"}})
                  .ok())
      << host.last_error();
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(Payout(0), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("error"), "step budget exhausted");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_MANUAL_REVIEW);
  // With the default budget the same rule runs to the end.
  FakeHost roomy(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(roomy.Create({{"rules", "rule long:\n  when: " + when +
                                          "\n  route: NOTIFY\n  mode: live\n"}})
                  .ok());
  ASSERT_TRUE(roomy.Feed(Payout(0), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "LONG");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
}

TEST(RuleDetectorTest, KeyedByCounterpartyWithSumAndDistinct) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"key", "counterparty"},
                           {"cny_rates", "USD:7.10"},
                           {"rules", R"(aggregate received:
  kind: sum
  of: amount_cny
  window: 1h
aggregate senders:
  kind: distinct
  of: account
  window: 1h

rule mule:
  when: distinct(senders, 1h) >= 3 && sum(received, 1h) > 2000000
  route: MANUAL_REVIEW
  reason: "{distinct(senders, 1h)} senders, {sum(received, 1h)} fen"
  mode: live
)"}})
                  .ok())
      << host.last_error();
  EXPECT_EQ(host.partition_key(), RF_PARTITION_COUNTERPARTY);
  std::vector<FakeAnnotation> out;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(host.Feed(FakeEvent()
                              .Id("e" + std::to_string(i))
                              .Type(RF_EVENT_TRANSFER)
                              .At(kT0 + i)
                              .Account("a" + std::to_string(i))
                              .Counterparty("mule-1")
                              .Amount(100000, "USD"),  // 1000 USD = 7100 CNY
                          &out)
                    .ok());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message, "3 senders, 2130000 fen");
  // Without a counterparty nothing is counted (no shared empty key).
  ASSERT_TRUE(host.Feed(FakeEvent().Id("x").At(kT0 + 10).Account("a9")
                            .Amount(100000000, "CNY"),
                        &out)
                  .ok());
  EXPECT_TRUE(out.empty());
}

TEST(RuleDetectorTest, ReasonIsBoundedAndClean) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  std::string reason = "\"";
  for (int i = 0; i < 10; ++i) reason += "{counterparty} ";
  reason += "\"";
  ASSERT_TRUE(host.Create({{"rules", "rule r:\n  when: amount > 0\n"
                                     "  route: NOTIFY\n  mode: live\n"
                                     "  reason: " + reason + "\n"}})
                  .ok())
      << host.last_error();
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(Payout(0).Counterparty(std::string(300, 'c') + "\x01\xff"),
                        &out)
                  .ok())
      << host.last_error();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LE(out[0].message.size(), 512u);
  EXPECT_EQ(out[0].message.find('\x01'), std::string::npos);
  EXPECT_EQ(out[0].message.find('\xff'), std::string::npos);
  EXPECT_TRUE(host.host_errors().empty());
}

TEST(RuleDetectorTest, LoadErrorsAreLocated) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(
      {{"rules", "rule big_payout:\n  when: os.execute(\"id\")\n  route: FREEZE\n"}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("parameter 'rules': rule 'big_payout', line 2, "
                             "column 9: 'os.execute' is not available"),
            std::string::npos)
      << s.message();
  FakeHost bad_key(riskflow_plugin_descriptor_v1());
  s = bad_key.Create({{"key", "email"},
                      {"rules", "rule r:\n  when: true\n  route: FREEZE\n"}});
  EXPECT_NE(s.message().find("parameter 'key'"), std::string::npos);
}

}  // namespace
}  // namespace rule
}  // namespace riskflow
