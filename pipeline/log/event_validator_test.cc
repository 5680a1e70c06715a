#include "pipeline/log/event_validator.h"

#include <string>

#include "gtest/gtest.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;

Event ValidPayout() {
  Event e;
  e.set_event_id("evt-1");
  e.set_channel_id("bank-rails");
  e.set_type(riskflow::v1::PAYOUT);
  e.set_event_time_ms(1767225600000);
  e.set_account_id("acct-1");
  e.set_counterparty("cp-1");
  e.set_amount_minor(12345);
  e.set_currency("CNY");
  return e;
}

void ExpectInvalid(const Event& e, const std::string& fragment) {
  absl::Status s = ValidateEvent(e);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(std::string(s.message()).find(fragment), std::string::npos)
      << "message was: " << s.message();
}

TEST(EventValidatorTest, AcceptsAWellFormedPayout) {
  EXPECT_TRUE(ValidateEvent(ValidPayout()).ok());
}

TEST(EventValidatorTest, LoginNeedsNoCurrency) {
  Event e = ValidPayout();
  e.set_type(riskflow::v1::LOGIN);
  e.clear_currency();
  e.set_amount_minor(0);
  EXPECT_TRUE(ValidateEvent(e).ok());
}

TEST(EventValidatorTest, NamesTheBadField) {
  Event e = ValidPayout();
  e.clear_event_id();
  ExpectInvalid(e, "event_id: is required");

  e = ValidPayout();
  e.clear_channel_id();
  ExpectInvalid(e, "channel_id: is required");

  e = ValidPayout();
  e.clear_account_id();
  ExpectInvalid(e, "account_id: is required");

  e = ValidPayout();
  e.set_amount_minor(-5);
  ExpectInvalid(e, "amount_minor: must not be negative, got -5");

  e = ValidPayout();
  e.set_currency("XYZ");
  ExpectInvalid(e, "currency: unknown ISO-4217 currency 'XYZ'");

  e = ValidPayout();
  e.clear_currency();
  ExpectInvalid(e, "currency: is required for PAYOUT events");

  e = ValidPayout();
  e.set_type(riskflow::v1::EVENT_TYPE_UNSPECIFIED);
  ExpectInvalid(e, "type: missing or unknown");

  e = ValidPayout();
  e.set_event_time_ms(0);
  ExpectInvalid(e, "event_time_ms: must be a positive");

  e = ValidPayout();
  e.set_event_id(std::string(200, 'x'));
  ExpectInvalid(e, "event_id: longer than 128 bytes");

  e = ValidPayout();
  e.set_latitude(123);
  ExpectInvalid(e, "latitude/longitude");

  e = ValidPayout();
  e.set_source_currency("ABC");
  ExpectInvalid(e, "source_currency: unknown ISO-4217 currency 'ABC'");
}

TEST(EventValidatorTest, LimitsAttributes) {
  Event e = ValidPayout();
  for (int i = 0; i < 65; ++i) {
    (*e.mutable_attributes())["k" + std::to_string(i)] = "v";
  }
  ExpectInvalid(e, "attributes: more than 64 entries");
  e = ValidPayout();
  (*e.mutable_attributes())["big"] = std::string(5000, 'x');
  ExpectInvalid(e, "attributes: larger than 4096 bytes");
}

TEST(EventValidatorTest, LowerCaseCurrencyIsUnknown) {
  Event e = ValidPayout();
  e.set_currency("cny");
  ExpectInvalid(e, "unknown ISO-4217 currency 'cny'");
}

}  // namespace
}  // namespace riskflow::log
