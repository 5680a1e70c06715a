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

namespace riskflow::log {
namespace {

constexpr int64_t kNow = 1767225600000 + 3600 * 1000;

absl::Status Check(Event e, const IngestLimits& limits = IngestLimits()) {
  return CheckIngestEvent(&e, limits, kNow);
}

void ExpectRejected(const Event& e, const std::string& fragment,
                    const IngestLimits& limits = IngestLimits()) {
  absl::Status s = Check(e, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(std::string(s.message()).find(fragment), std::string::npos)
      << "message was: " << s.message();
}

TEST(IngestCheckTest, BoundsEveryStringFieldByName) {
  struct Case {
    void (Event::*set)(const std::string&);
    size_t too_long;
    const char* message;
  };
  const Case cases[] = {
      {&Event::set_event_id, 129, "event_id: longer than 128 bytes (129)"},
      {&Event::set_channel_id, 129, "channel_id: longer than 128 bytes"},
      {&Event::set_account_id, 129, "account_id: longer than 128 bytes"},
      {&Event::set_counterparty, 129, "counterparty: longer than 128 bytes"},
      {&Event::set_device_id, 129, "device_id: longer than 128 bytes"},
      {&Event::set_ip, 65, "ip: longer than 64 bytes (65)"},
      {&Event::set_country, 4, "country: longer than 3 bytes (4)"},
      {&Event::set_counterparty_country, 4,
       "counterparty_country: longer than 3 bytes (4)"},
      {&Event::set_currency, 4, "currency: longer than 3 bytes (4)"},
      {&Event::set_source_currency, 4, "source_currency: longer than 3 bytes"},
  };
  for (const Case& c : cases) {
    Event e = ValidPayout();
    (e.*c.set)(std::string(c.too_long, 'A'));
    ExpectRejected(e, c.message);
    // One byte less is within the bound (whatever else it then fails).
    e = ValidPayout();
    (e.*c.set)(std::string(c.too_long - 1, 'A'));
    absl::Status s = Check(e);
    EXPECT_EQ(std::string(s.message()).find("longer than"), std::string::npos)
        << s;
  }
  Event e = ValidPayout();
  e.set_ip(std::string(40 << 20, '1'));  // the 40 MB ip from the issue
  ExpectRejected(e, "ip: longer than 64 bytes (41943040)");
}

TEST(IngestCheckTest, LimitsAreConfigurable) {
  IngestLimits limits;
  limits.max_id_bytes = 10;
  limits.max_ip_bytes = 7;
  Event e = ValidPayout();
  e.set_account_id("acct-123456");
  ExpectRejected(e, "account_id: longer than 10 bytes (11)", limits);
  e = ValidPayout();
  e.set_ip("10.0.0.1");
  ExpectRejected(e, "ip: longer than 7 bytes (8)", limits);
  limits = IngestLimits();
  limits.max_attribute_key_bytes = 4;
  e = ValidPayout();
  (*e.mutable_attributes())["label"] = "x";
  ExpectRejected(e, "attributes: a key: longer than 4 bytes (5)", limits);
}

TEST(IngestCheckTest, CountryIsLetters) {
  Event e = ValidPayout();
  e.set_country("CN");
  e.set_counterparty_country("USA");
  EXPECT_TRUE(Check(e).ok());
  e.set_country("us");  // careless, not hostile: the detectors fold case
  EXPECT_TRUE(Check(e).ok());
  e.set_country("c1");
  ExpectRejected(e, "country: must be an ISO-3166 code (letters A-Z only)");
  e.set_country("C N");
  ExpectRejected(e, "country: must be an ISO-3166 code");
}

TEST(IngestCheckTest, InvalidUtf8NamesFieldAndOffset) {
  Event e = ValidPayout();
  e.set_account_id("acct\xFF");
  ExpectRejected(e, "account_id: not valid UTF-8 (byte offset 4)");
  e = ValidPayout();
  e.set_ip("1.2\xC0\xAF");
  ExpectRejected(e, "ip: not valid UTF-8 (byte offset 3)");
  e = ValidPayout();
  e.set_country("\xE4\xB8");
  ExpectRejected(e, "country: not valid UTF-8 (byte offset 0)");
  e = ValidPayout();
  (*e.mutable_attributes())["note"] = "ok\xED\xA0\x80";
  ExpectRejected(e, "attributes[\"note\"]: not valid UTF-8 (byte offset 2)");
  e = ValidPayout();
  (*e.mutable_attributes())["k\x80"] = "v";
  ExpectRejected(e, "attributes: a key: not valid UTF-8 (byte offset 1)");
  e = ValidPayout();
  e.set_account_id("Zürich-上海");  // valid multibyte passes
  EXPECT_TRUE(Check(e).ok()) << Check(e);
}

TEST(IngestCheckTest, IdsRefuseControlCharacters) {
  const std::string bad[] = {"acct\x01", "acct\x7f", "a\tb", "\n",
                             "Z\xC3\xBCrich\n"};  // also after a multibyte
  for (const std::string& id : bad) {
    Event e = ValidPayout();
    e.set_account_id(id);
    ExpectRejected(e, "account_id: contains a control character");
    e = ValidPayout();
    e.set_device_id(id);
    ExpectRejected(e, "device_id: contains a control character");
  }
  Event e = ValidPayout();
  e.set_account_id(" ~acct-1");  // the ends of printable ASCII pass
  EXPECT_TRUE(Check(e).ok()) << Check(e);
}

TEST(IngestCheckTest, BoundsAmounts) {
  Event e = ValidPayout();
  e.set_amount_minor(1000000000000000);
  EXPECT_TRUE(Check(e).ok());
  e.set_amount_minor(1000000000000001);
  ExpectRejected(e, "amount_minor: larger than the limit of 1000000000000000");
  e = ValidPayout();
  e.set_amount_minor(INT64_MAX);
  ExpectRejected(e, "amount_minor: larger than the limit");
  e = ValidPayout();
  e.set_source_amount_minor(INT64_MAX);
  e.set_source_currency("USD");
  ExpectRejected(e, "source_amount_minor: larger than the limit");
  IngestLimits limits;
  limits.max_amount_minor = 100;
  e = ValidPayout();
  ExpectRejected(e, "amount_minor: larger than the limit of 100 minor units, "
                    "got 12345",
                 limits);
}

TEST(IngestCheckTest, EventTimeWithinFloorAndSkew) {
  Event e = ValidPayout();
  e.set_event_time_ms(kNow + 5 * 60 * 1000);  // exactly the skew: accepted
  EXPECT_TRUE(Check(e).ok());
  e.set_event_time_ms(kNow + 5 * 60 * 1000 + 1);
  ExpectRejected(e, "event_time_ms: 300001 ms ahead of the server clock, more "
                    "than the allowed skew of 300000 ms");
  e.set_event_time_ms(INT64_MAX);
  ExpectRejected(e, "ahead of the server clock");
  e.set_event_time_ms(4102444800000);  // 2100-01-01
  ExpectRejected(e, "ahead of the server clock");
  e.set_event_time_ms(1);
  ExpectRejected(e, "event_time_ms: before the earliest accepted time "
                    "946684800000");
  e.set_event_time_ms(946684800000);
  EXPECT_TRUE(Check(e).ok());
  e.set_event_time_ms(kNow - 365LL * 24 * 3600 * 1000);  // the past is fine
  EXPECT_TRUE(Check(e).ok());
  IngestLimits limits;
  limits.max_event_skew_ms = INT64_MAX;  // saturates, never overflows
  e.set_event_time_ms(INT64_MAX);
  EXPECT_TRUE(Check(e, limits).ok());
}

TEST(IngestCheckTest, RejectsCardNumbersInEveryStringFieldWithoutEchoing) {
  const std::string pan = "4111111111111111";
  struct Case {
    void (Event::*set)(const std::string&);
    const char* field;
  };
  const Case cases[] = {
      {&Event::set_event_id, "event_id"},
      {&Event::set_channel_id, "channel_id"},
      {&Event::set_account_id, "account_id"},
      {&Event::set_counterparty, "counterparty"},
      {&Event::set_device_id, "device_id"},
      {&Event::set_ip, "ip"},
  };
  for (const Case& c : cases) {
    Event e = ValidPayout();
    (e.*c.set)("x-" + pan);
    absl::Status s = Check(e);
    ExpectRejected(e, std::string(c.field) + ": holds what looks like a card");
    EXPECT_EQ(std::string(s.message()).find("1111"), std::string::npos) << s;
  }
  Event e = ValidPayout();
  (*e.mutable_attributes())["note"] = "card 4111 1111 1111 1111";
  ExpectRejected(e, "attributes[\"note\"]: holds what looks like a card");
  e = ValidPayout();
  (*e.mutable_attributes())[pan] = "v";
  absl::Status s = Check(e);
  ExpectRejected(e, "attributes: a key holds what looks like a card");
  EXPECT_EQ(std::string(s.message()).find("1111"), std::string::npos) << s;
}

TEST(IngestCheckTest, NonCardDigitStringsPass) {
  Event e = ValidPayout();
  e.set_event_id("order-4111111111111112");  // 16 digits failing Luhn
  e.set_account_id("1234567890123456");
  (*e.mutable_attributes())["created_ms"] = "1700000000004";
  EXPECT_TRUE(Check(e).ok()) << Check(e);
}

TEST(IngestCheckTest, MaskPolicyMasksWhatItCanAndRefusesIds) {
  IngestLimits limits;
  limits.pan_policy = PanPolicy::kMask;
  Event e = ValidPayout();
  e.set_account_id("4111111111111111");
  e.set_counterparty("cp 5555-5555-5555-4444");
  (*e.mutable_attributes())["note"] = "paid with 378282246310005";
  (*e.mutable_attributes())["4111111111111111"] = "as key";
  ASSERT_TRUE(CheckIngestEvent(&e, limits, kNow).ok());
  EXPECT_EQ(e.account_id(), "411111******1111");
  EXPECT_EQ(e.counterparty(), "cp 5555-55**-****-4444");
  EXPECT_EQ(e.attributes().at("note"), "paid with 378282*****0005");
  EXPECT_EQ(e.attributes().at("411111******1111"), "as key");
  EXPECT_EQ(e.attributes().count("4111111111111111"), 0u);

  e = ValidPayout();
  e.set_event_id("4111111111111111");
  absl::Status s = CheckIngestEvent(&e, limits, kNow);
  EXPECT_NE(std::string(s.message()).find("event_id: holds what looks like a "
                                          "card number"),
            std::string::npos)
      << s;
  EXPECT_NE(std::string(s.message()).find("cannot be masked"),
            std::string::npos);
}

}  // namespace
}  // namespace riskflow::log

namespace riskflow::log {
namespace {

TEST(IngestCheckTest, HoldAndReleaseComeOnlyFromTheAdminApi) {
  for (auto type : {riskflow::v1::ACCOUNT_HOLD, riskflow::v1::ACCOUNT_RELEASE}) {
    riskflow::v1::Event e;
    e.set_event_id("e1");
    e.set_channel_id("c");
    e.set_account_id("a1");
    e.set_type(type);
    e.set_event_time_ms(1'700'000'000'000);
    // A valid event otherwise (replay input and the Admin API accept it) ...
    EXPECT_TRUE(ValidateEvent(e).ok());
    // ... but Publish and Evaluate refuse it by name.
    absl::Status s = CheckIngestEvent(&e, IngestLimits(), 1'700'000'000'000);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("come from the Admin API"), std::string::npos)
        << s;
  }
}

}  // namespace
}  // namespace riskflow::log
