// ABI 1.3: EntityHints names exactly the entities on_event touches: the
// count entity and, for a summed currency, the sum entity.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"
#include "plugins/velocity/velocity_detector.h"

namespace riskflow {
namespace velocity {
namespace {

using sdk::FakeEvent;

std::vector<FakeEvent> Stream() {
  std::vector<FakeEvent> out;
  auto ev = [&](const std::string& id, rf_event_type type, int64_t minor,
                const std::string& currency, const std::string& cp = "cp") {
    FakeEvent e = FakeEvent().Id(id).Type(type).At(1000 * (out.size() + 1))
                      .Account("acc").Counterparty(cp).Amount(minor, currency);
    e.device_id = "dev";
    out.push_back(e);
  };
  ev("cny", RF_EVENT_PAYMENT, 5000, "CNY");
  ev("cny-large", RF_EVENT_PAYOUT, 9000000, "CNY");
  ev("usd", RF_EVENT_TRANSFER, 700, "USD");
  ev("eur", RF_EVENT_PAYMENT, 700, "EUR");  // no limit: not summed
  ev("zero", RF_EVENT_PAYMENT, 0, "CNY");   // nothing to add to a sum
  ev("login", RF_EVENT_LOGIN, 0, "");       // not counted
  ev("no-cp", RF_EVENT_PAYMENT, 100, "CNY", "");
  return out;
}

TEST(VelocityHintsTest, HintsAreTheCountAndSumEntities) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"max_events", "3"},
                           {"sum_limits", "1h:CNY:20000000,1d:CNY:50000000,"
                                          "1h:USD:3000000"},
                           {"types", "PAYMENT,PAYOUT,TRANSFER"}})
                  .ok())
      << host.last_error();
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, Stream(), &hinted), "");
  EXPECT_EQ(hinted, 6u);
}

TEST(VelocityHintsTest, ByAccountWithoutSumsDeclines) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"max_events", "3"}}).ok()) << host.last_error();
  EXPECT_EQ(sdk::CheckHintsOverStream(host, Stream()), "");
  EXPECT_TRUE(host.hints_declined());
}

TEST(VelocityHintsTest, KeyedByCounterparty) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"max_events", "3"},
                           {"key", "counterparty"},
                           {"sum_limits", "1h:CNY:20000000"}})
                  .ok())
      << host.last_error();
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, Stream(), &hinted), "");
  EXPECT_GT(hinted, 0u);
}

}  // namespace
}  // namespace velocity
}  // namespace riskflow
