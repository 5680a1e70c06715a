// ABI 1.3: EntityHints names exactly the "account|currency" key on_event
// touches.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"
#include "plugins/sudden_outflow/sudden_outflow_detector.h"

namespace riskflow {
namespace sudden_outflow {
namespace {

using sdk::FakeEvent;

constexpr int64_t kDay = 24 * 3600 * 1000LL;

FakeEvent Ev(const std::string& id, rf_event_type type, int64_t t,
             int64_t minor, const std::string& currency = "CNY") {
  return FakeEvent().Id(id).Type(type).At(t).Account("acc").Counterparty(
      "cp").Amount(minor, currency);
}

TEST(SuddenOutflowHintsTest, HintsAreTheKeysOnEventTouches) {
  sdk::FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"window", "1h"},
                           {"history", "30d"},
                           {"multiple", "20"},
                           {"min_history_days", "14"},
                           {"balance_percent", "80"},
                           {"min_amount", "CNY:500000"}})
                  .ok())
      << host.last_error();
  std::vector<FakeEvent> stream = {
      Ev("snap", RF_EVENT_BALANCE_SNAPSHOT, kDay, 10000000),
      Ev("deposit", RF_EVENT_DEPOSIT, kDay + 1000, 5000),
      Ev("refund", RF_EVENT_REFUND, kDay + 2000, 500),
  };
  for (int d = 0; d < 20; ++d) {
    stream.push_back(Ev("pay-" + std::to_string(d), RF_EVENT_PAYMENT,
                        kDay * (2 + d), 1000));
  }
  stream.push_back(Ev("burst", RF_EVENT_PAYOUT, kDay * 22, 9000000));
  stream.push_back(Ev("usd", RF_EVENT_TRANSFER, kDay * 22 + 5, 100, "USD"));
  stream.push_back(Ev("login", RF_EVENT_LOGIN, kDay * 22 + 10, 0));
  stream.push_back(Ev("no-currency", RF_EVENT_PAYMENT, kDay * 22 + 20, 5, ""));
  size_t hinted = 0;
  EXPECT_EQ(sdk::CheckHintsOverStream(host, stream, &hinted), "");
  EXPECT_EQ(hinted, stream.size() - 2);
}

}  // namespace
}  // namespace sudden_outflow
}  // namespace riskflow
