// ABI 1.3: EntityHints names exactly the PayoutKey on_event touches.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/duplicate_payout/duplicate_payout_detector.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"

namespace riskflow {
namespace duplicate_payout {
namespace {

using sdk::FakeEvent;

FakeEvent Ev(const std::string& id, rf_event_type type, int64_t t,
             int64_t minor, const std::string& account = "acc") {
  return FakeEvent().Id(id).Type(type).At(t).Account(account).Counterparty(
      "bene").Amount(minor, "CNY");
}

TEST(DuplicatePayoutHintsTest, HintsAreTheKeysOnEventTouches) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"window", "10m"}, {"types", "PAYOUT,PAYMENT"}})
                  .ok())
      << host.last_error();
  const std::vector<FakeEvent> stream = {
      Ev("p1", RF_EVENT_PAYOUT, 1000, 500),
      Ev("p2", RF_EVENT_PAYOUT, 2000, 500),   // a copy
      Ev("p2", RF_EVENT_PAYOUT, 2000, 500),   // re-delivered
      Ev("m1", RF_EVENT_PAYMENT, 3000, 500),  // a payment: its own key
      Ev("t1", RF_EVENT_TRANSFER, 4000, 500),  // not compared
      Ev("p3", RF_EVENT_PAYOUT, 5000, 500, ""),  // no account
  };
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, stream, &hinted), "");
  EXPECT_EQ(hinted, 4u);
}

}  // namespace
}  // namespace duplicate_payout
}  // namespace riskflow
