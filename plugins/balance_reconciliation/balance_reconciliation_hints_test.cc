// ABI 1.3: EntityHints names exactly the BalanceKey on_event touches.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/balance_reconciliation/balance_reconciliation_detector.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"

namespace riskflow {
namespace balance_reconciliation {
namespace {

using sdk::FakeEvent;

FakeEvent Ev(const std::string& id, rf_event_type type, int64_t t,
             int64_t minor, const std::string& currency,
             const std::string& account = "acc") {
  return FakeEvent().Id(id).Type(type).At(t).Account(account).Counterparty(
      "cp").Amount(minor, currency);
}

TEST(BalanceReconciliationHintsTest, HintsAreTheKeysOnEventTouches) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"tolerance_minor", "0"}}).ok())
      << host.last_error();
  FakeEvent fx = Ev("fx", RF_EVENT_PAYOUT, 9000, 900, "EUR");
  fx.source_currency = "USD";
  fx.source_amount_minor = 1000;  // debits the USD balance
  FakeEvent fx_no_source = Ev("fx0", RF_EVENT_PAYOUT, 9500, 900, "EUR");
  fx_no_source.source_currency = "USD";  // no source amount: EUR is debited
  const std::vector<FakeEvent> stream = {
      Ev("before-snapshot", RF_EVENT_PAYMENT, 500, 10, "CNY"),
      Ev("snap", RF_EVENT_BALANCE_SNAPSHOT, 1000, 5000, "CNY"),
      Ev("deposit", RF_EVENT_DEPOSIT, 2000, 100, "CNY"),
      Ev("refund", RF_EVENT_REFUND, 2500, 10, "CNY"),
      Ev("pay", RF_EVENT_PAYMENT, 3000, 300, "CNY"),
      Ev("snap-usd", RF_EVENT_BALANCE_SNAPSHOT, 4000, 7000, "USD"),
      fx,
      fx_no_source,
      Ev("snap-again", RF_EVENT_BALANCE_SNAPSHOT, 10000, 4800, "CNY"),
      Ev("stale-snap", RF_EVENT_BALANCE_SNAPSHOT, 1500, 4800, "CNY"),
      Ev("login", RF_EVENT_LOGIN, 11000, 0, "CNY"),
      Ev("no-currency", RF_EVENT_PAYMENT, 12000, 5, ""),
      Ev("no-account", RF_EVENT_PAYMENT, 13000, 5, "CNY", ""),
  };
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, stream, &hinted), "");
  EXPECT_EQ(hinted, 10u);
}

}  // namespace
}  // namespace balance_reconciliation
}  // namespace riskflow
