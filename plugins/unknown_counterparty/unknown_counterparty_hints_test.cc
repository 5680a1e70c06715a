// ABI 1.3: EntityHints names exactly the entities on_event touches: the
// account and, with travel_grace, the "account|country" key.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"
#include "plugins/unknown_counterparty/unknown_counterparty_detector.h"

namespace riskflow {
namespace unknown_counterparty {
namespace {

using sdk::FakeEvent;

FakeEvent Ev(const std::string& id, rf_event_type type, int64_t t,
             const std::string& counterparty, const std::string& country) {
  FakeEvent e = FakeEvent().Id(id).Type(type).At(t).Account("acc")
                    .Counterparty(counterparty).Amount(100, "CNY");
  e.country = country;
  return e;
}

std::vector<FakeEvent> Stream() {
  return {
      Ev("first", RF_EVENT_PAYMENT, 1000, "shop-1", "CN"),
      Ev("second", RF_EVENT_PAYMENT, 2000, "shop-2", "CN"),
      Ev("deposit", RF_EVENT_DEPOSIT, 3000, "employer", "CN"),
      Ev("login", RF_EVENT_LOGIN, 4000, "", "CN"),
      Ev("abroad", RF_EVENT_PAYMENT, 5000, "shop-3", "FR"),
      Ev("no-country", RF_EVENT_PAYMENT, 6000, "shop-4", ""),
      Ev("login-nowhere", RF_EVENT_LOGIN, 7000, "", ""),
  };
}

TEST(UnknownCounterpartyHintsTest, HintsAreTheKeysOnEventTouches) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"memory", "180d"},
                           {"min_known", "3"},
                           {"travel_grace", "14d"}})
                  .ok())
      << host.last_error();
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, Stream(), &hinted), "");
  EXPECT_EQ(hinted, 6u);
}

TEST(UnknownCounterpartyHintsTest, WithoutTravelGraceOnlyTheAccount) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"min_known", "1"}}).ok()) << host.last_error();
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, Stream(), &hinted), "");
  EXPECT_EQ(hinted, 5u);
}

}  // namespace
}  // namespace unknown_counterparty
}  // namespace riskflow
