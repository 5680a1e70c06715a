// Rule / plugin equivalence: a rule written to mirror velocity (three
// windows) and one mirroring large_amount decide exactly like the C++
// plugins on the same random stream — same events annotated, same route.
// Both plugins are the built .so files, loaded as the host loads them and
// run through the SDK's fake host (same state semantics as riskflowd).
//
// Arguments: paths of librule.so, libvelocity.so, liblarge_amount.so.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/rule/equivalence_rules.h"
#include "plugins/rule/loaded_plugin.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace rule {
namespace {

std::string g_rule, g_velocity, g_large;

// Bursty traffic: 40 accounts, gaps from 1 ms to 20 min, a burst now and
// then, amounts around both large_amount thresholds, three currencies.
std::vector<sdk::FakeEvent> RandomStream(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<sdk::FakeEvent> out;
  int64_t t = 1767225600000;
  static const rf_event_type kTypes[] = {RF_EVENT_PAYMENT, RF_EVENT_PAYOUT,
                                         RF_EVENT_TRANSFER, RF_EVENT_LOGIN,
                                         RF_EVENT_REFUND};
  static const char* const kCurrencies[] = {"CNY", "USD", "EUR"};
  int burst = 0;
  std::string burst_account;
  for (int i = 0; i < n; ++i) {
    if (burst == 0 && rng() % 50 == 0) {
      burst = 20 + static_cast<int>(rng() % 80);
      burst_account = "acct-" + std::to_string(rng() % 40);
    }
    const bool in_burst = burst > 0;
    if (in_burst) --burst;
    t += in_burst ? 1 + static_cast<int64_t>(rng() % 3000)
                  : 1 + static_cast<int64_t>(rng() % 1200000);
    const int64_t base = (rng() % 2) ? 10000000 : 1500000;
    const int64_t amount =
        static_cast<int64_t>(rng() % 3) == 0
            ? base + static_cast<int64_t>(rng() % 5) - 2  // around the edge
            : static_cast<int64_t>(rng() % (2 * base));
    out.push_back(sdk::FakeEvent()
                      .Id("e" + std::to_string(i))
                      .Type(kTypes[rng() % 5])
                      .At(t)
                      .Account(in_burst ? burst_account
                                        : "acct-" + std::to_string(rng() % 40))
                      .Counterparty("bene-" + std::to_string(rng() % 100))
                      .Amount(amount, kCurrencies[rng() % 3]));
  }
  return out;
}

// Feeds both hosts and compares, per event, whether each annotated and
// with which route. Returns how many events were annotated.
int Compare(const std::string& plugin_path,
            const std::map<std::string, std::string>& plugin_params,
            const char* rules, uint64_t seed, int n) {
  std::string error;
  const rf_plugin_descriptor* plugin = LoadPlugin(plugin_path, &error);
  const rf_plugin_descriptor* rule = LoadPlugin(g_rule, &error);
  EXPECT_NE(plugin, nullptr) << error;
  EXPECT_NE(rule, nullptr) << error;
  if (plugin == nullptr || rule == nullptr) return -1;
  sdk::FakeHost cpp(plugin), scripted(rule);
  EXPECT_TRUE(cpp.Create(plugin_params).ok()) << cpp.last_error();
  EXPECT_TRUE(scripted.Create({{"rules", rules}}).ok())
      << scripted.last_error();
  int flagged = 0;
  for (const sdk::FakeEvent& e : RandomStream(seed, n)) {
    std::vector<sdk::FakeAnnotation> a, b;
    EXPECT_TRUE(cpp.Feed(e, &a).ok()) << cpp.last_error();
    EXPECT_TRUE(scripted.Feed(e, &b).ok()) << scripted.last_error();
    EXPECT_LE(a.size(), 1u);
    if (a.size() != b.size() ||
        (!a.empty() && a[0].route_hint != b[0].route_hint)) {
      ADD_FAILURE() << "event " << e.event_id << " account " << e.account_id
                    << ": C++ " << (a.empty() ? "nothing" : a[0].message)
                    << " / rule " << (b.empty() ? "nothing" : b[0].message);
      return -1;
    }
    flagged += !a.empty();
  }
  return flagged;
}

TEST(RuleEquivalenceTest, VelocityRuleDecidesLikeTheVelocityPlugin) {
  for (uint64_t seed : {1, 2, 3}) {
    const int flagged =
        Compare(g_velocity, VelocityParams(), kVelocityRules, seed, 6000);
    // Both outcomes must occur, or the comparison proves nothing.
    EXPECT_GT(flagged, 50) << "seed " << seed;
    EXPECT_LT(flagged, 5000) << "seed " << seed;
  }
}

TEST(RuleEquivalenceTest, LargeAmountRuleDecidesLikeTheLargeAmountPlugin) {
  for (uint64_t seed : {4, 5}) {
    const int flagged =
        Compare(g_large, LargeAmountParams(), kLargeAmountRules, seed, 6000);
    EXPECT_GT(flagged, 100) << "seed " << seed;
    EXPECT_LT(flagged, 3000) << "seed " << seed;
  }
}

}  // namespace
}  // namespace rule
}  // namespace riskflow

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  using riskflow::rule::FindArg;
  riskflow::rule::g_rule = FindArg(argc, argv, "/librule.so");
  riskflow::rule::g_velocity = FindArg(argc, argv, "/libvelocity.so");
  riskflow::rule::g_large = FindArg(argc, argv, "/liblarge_amount.so");
  return RUN_ALL_TESTS();
}
