// ABI 1.3: EntityHints names exactly the BeneficiaryKey on_event touches.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/new_beneficiary/new_beneficiary_detector.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"

namespace riskflow {
namespace new_beneficiary {
namespace {

using sdk::FakeEvent;

FakeEvent Ev(const std::string& id, rf_event_type type, int64_t t,
             int64_t minor, const std::string& currency = "CNY",
             const std::string& counterparty = "bene") {
  return FakeEvent().Id(id).Type(type).At(t).Account("acc").Counterparty(
      counterparty).Amount(minor, currency);
}

TEST(NewBeneficiaryHintsTest, HintsAreTheKeysOnEventTouches) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(
      host.Create({{"thresholds", "CNY:5000000,USD:700000"}, {"window", "24h"}})
          .ok())
      << host.last_error();
  const std::vector<FakeEvent> stream = {
      Ev("change", RF_EVENT_PROFILE_CHANGE, 1000, 0)
          .Attr("field", "beneficiary"),
      Ev("email", RF_EVENT_PROFILE_CHANGE, 1500, 0).Attr("field", "email"),
      Ev("no-field", RF_EVENT_PROFILE_CHANGE, 1600, 0),
      Ev("large", RF_EVENT_PAYOUT, 2000, 6000000),
      Ev("small", RF_EVENT_PAYOUT, 3000, 100),
      Ev("other-currency", RF_EVENT_PAYOUT, 4000, 90000000, "JPY"),
      Ev("large-usd", RF_EVENT_PAYOUT, 5000, 800000, "USD", "bene-2"),
      Ev("payment", RF_EVENT_PAYMENT, 6000, 6000000),
      Ev("no-counterparty", RF_EVENT_PAYOUT, 7000, 6000000, "CNY", ""),
  };
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, stream, &hinted), "");
  EXPECT_EQ(hinted, 3u);
}

}  // namespace
}  // namespace new_beneficiary
}  // namespace riskflow
