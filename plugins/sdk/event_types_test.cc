#include "plugins/sdk/event_types.h"

#include "gtest/gtest.h"
#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace sdk {
namespace {

Status ParseTypes(const std::string& text, EventTypeFilter* out) {
  ParsedParams p;
  p.Add("types", text, 0, 0);
  return ParseEventTypes(Params(p.data(), p.size()), "types", out);
}

TEST(EventTypesTest, ParsesInConfiguredOrder) {
  EventTypeFilter f;
  ASSERT_TRUE(ParseTypes("PAYOUT, PAYMENT", &f).ok());
  EXPECT_TRUE(f.Contains(RF_EVENT_PAYOUT));
  EXPECT_TRUE(f.Contains(RF_EVENT_PAYMENT));
  EXPECT_FALSE(f.Contains(RF_EVENT_TRANSFER));
  EXPECT_FALSE(f.Contains(RF_EVENT_UNSPECIFIED));
  EXPECT_FALSE(f.Contains(static_cast<rf_event_type>(1000)));
  EXPECT_EQ(f.Joined(), "PAYOUT/PAYMENT");
}

TEST(EventTypesTest, RefusesUnknownEmptyAndRepeats) {
  EventTypeFilter f;
  Status s = ParseTypes("PAYMENT,PAYOTU", &f);
  EXPECT_EQ(s.message(),
            "parameter 'types': unknown event type 'PAYOTU'; known types are "
            "PAYMENT, PAYOUT, TRANSFER, REFUND, LOGIN, AUTH_FAILURE, "
            "PROFILE_CHANGE, BALANCE_SNAPSHOT, DEPOSIT");
  EXPECT_EQ(ParseTypes("", &f).message(),
            "parameter 'types': needs at least one event type");
  EXPECT_EQ(ParseTypes("PAYOUT,PAYOUT", &f).message(),
            "parameter 'types': event type 'PAYOUT' listed twice");
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow
