// Hand-written edge lines for the JSONL fast path (event_json_fast.h):
// every shape of int64, double, enum, string and attributes value protobuf
// accepts or rejects, whole-line structure, and the lines the fast path
// exists for, each held to the differential contract
// (event_json_differential.h).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/replay/event_json_differential.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::replay {
namespace {

const std::vector<std::string> kInt64Values = {
    "0", "-0", "1", "-1", "00", "01", "-01", "+1", "1e3", "1E3", "1e+3",
    "1.0", "1.5", "-1.5", "1e-3", "9223372036854775807",
    "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "99999999999999999999",
    "1e19", "\"1\"", "\"-1\"", "\"0\"", "\"-0\"", "\"+1\"", "\"01\"",
    "\" 1\"", "\"1 \"", "\"1e3\"", "\"1.0\"", "\"0x10\"", "\"\"", "\"-\"",
    "\"9223372036854775807\"", "\"9223372036854775808\"",
    "\"-9223372036854775808\"", "\"-9223372036854775809\"", "\"\\u0031\"",
    "\"1\\u0000\"", "null", "true", "false", "[]", "[1]", "{}", "-", "1x",
    "0x10", "NaN", "\"NaN\"", "Infinity", "1.", ".5"};

const std::vector<std::string> kDoubleValues = {
    "0", "-0", "0.0", "-0.0", "0e0", "-0e0", "0e-5", "1e-400", "-1e-400",
    "1e400", "-1e400", "1.7976931348623157e308", "1.7976931348623159e308",
    "4.9e-324", "5e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "2.2250738585072011e-308",
    "2.2250738585072012e-308", "1", "-1", "42", "9007199254740992",
    "9007199254740993", "-9007199254740993", "18446744073709551615",
    "18446744073709551616", "123456789012345678901234567890", "7.1234",
    "0.1000000000000000055511151231257827",
    "0.10000000000000000555111512312578271", "1.5e+10", "1.5E-10", "1e0",
    "1.", ".5", "-.5", "1e", "1e+", "01.5", "00", "-", "+1", "\"NaN\"",
    "\"Infinity\"", "\"-Infinity\"", "NaN", "Infinity", "-Infinity",
    "\"1.5\"", "\"1\"", "\"0\"", "null", "true", "[]", "{}", "\"\""};

const std::vector<std::string> kTypeValues = {
    "\"PAYOUT\"", "\"EVENT_TYPE_UNSPECIFIED\"", "\"DEPOSIT\"", "2", "\"2\"",
    "0", "\"0\"", "99", "\"99\"", "-1", "1.0", "\"payout\"", "\"Payout\"",
    "\"PAYOUTS\"", "\"\"", "\"PAY\\u004fUT\"", "\" PAYOUT\"", "null", "true",
    "[]", "{}"};

const std::vector<std::string> kStringValues = {
    "\"\"", "\"a\\\"b\"", "\"\\\\\"", "\"\\/\"", "\"\\b\\f\\n\\r\\t\"",
    "\"\\u0000\"", "\"\\u00e9\"", "\"\\u00E9\"", "\"\\uffff\"",
    "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\ud83d\"",
    "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\ude00\\ud83d\"",
    "\"\\ud83dx\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\x41\"", "\"\\'\"",
    "\"\\a\"", "'single'", "\"\xc3\xa9\"", "\"\xf0\x9f\x98\x80\"",
    "\"\xe2\x80\xa8\"", "\"\xef\xbb\xbf\"", "\"\xff\"", "\"\xc3\"",
    "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
    "\"a\tb\"", "\"a\x01" "b\"", "\"a\x7f\"", "\"a\nb\"", "123", "-1",
    "1.5", "true", "null", "[]", "[\"a\"]", "{}", "{\"a\":\"b\"}",
    "unquoted"};

const std::vector<std::string> kAttributeValues = {
    "{}", "{ }", "{\"label\":\"resend\"}", "{\"a\":\"1\",\"b\":\"2\"}",
    "{\"a\":\"1\",\"a\":\"2\"}", "{\"a\":\"1\",\"\\u0061\":\"2\"}",
    "{\"\":\"x\"}", "{\"a\":\"\"}", "{\"a\":1}", "{\"a\":true}",
    "{\"a\":null}", "{\"a\":{}}", "{\"a\":[\"x\"]}", "{\"a\\u0000\":\"x\"}",
    "{\"\\ud83d\\ude00\":\"x\"}", "{\"\\ude00\":\"x\"}",
    "{\"a\":\"\\ude00\"}", "{\"\xc3\xa9\":\"\xc3\xa9\"}",
    "{\"a\":\"b\",}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" \"b\"}",
    "{\"a\":\"b\" \"c\":\"d\"}", "{\"a\":{\"b\":{\"c\":1}}}", "[]",
    "[[\"a\",\"b\"]]", "\"x\"", "null", "1", "{\"a\":\"b\"", "{\"a\""};

// Whole lines: structure, whitespace, keys, duplicates, truncation.
const std::vector<std::string> kWholeLines = {
    "{}", "{ }", " {}", "{} ", "  {  }  ", "{\t}", "\t{}", "{}\r", "{}\n",
    "{\n}", "\xef\xbb\xbf{}", "", " ", "null", "true", "1", "\"str\"", "[]",
    "[1, 2]", "[{}]", "{}{}", "{} {}", "{}}", "{}]", "{} x", "{}x", "{}//",
    "/* c */ {}", "{} # c", "{", "}", "{\"", "{\"event_id", "{\"event_id\"",
    "{\"event_id\":", "{\"event_id\":\"e", "{\"event_id\":\"e\"",
    "{\"event_id\":\"e\",", "{\"amount_minor\":12", "{\"fx_rate\":1.5",
    "{\"attributes\":{\"a\":\"b\"}", "{\"event_id\":\"e\",}", "{,}",
    "{,\"event_id\":\"e\"}", "{\"event_id\":\"e\",,\"ip\":\"x\"}",
    "{\"event_id\" \"e\"}", "{\"event_id\"::\"e\"}",
    "{\"event_id\":\"e\" \"ip\":\"x\"}", "{event_id:\"e\"}",
    "{'event_id':'e'}", "{\"event_id\":'e'}",
    "{ \"event_id\" : \"e\" , \"amount_minor\" : 5 , \"fx_rate\" : 1.5 }",
    "{\"event_id\":\"e\",\"ammount_minor\":5}", "{\"EventId\":\"e\"}",
    "{\"event_Id\":\"e\"}", "{\"eventid\":\"e\"}", "{\"\":1}",
    "{\"@type\":\"x\"}", "{\"event_id \":\"e\"}", "{\"event_id\\u0000\":1}",
    "{\"event\\u005fid\":\"e\"}", "{\"event\\u005Fid\":\"e\"}",
    "{\"event_id\\\"\":\"e\"}", "{\"type\":\"PAYOUT\",\"nope\":{\"a\":[1]}}",
    "{\"nope\":1,\"event_id\":\"e\"}",
    "{\"event_id\":\"a\",\"event_id\":\"b\"}",
    "{\"event_id\":\"a\",\"eventId\":\"b\"}",
    "{\"eventId\":\"a\",\"event_id\":\"b\"}",
    "{\"amount_minor\":1,\"amountMinor\":2}",
    "{\"amount_minor\":1,\"amount_minor\":1}",
    "{\"type\":\"PAYMENT\",\"type\":\"PAYOUT\"}",
    "{\"fx_rate\":1.5,\"fxRate\":2.5}",
    "{\"attributes\":{\"a\":\"1\"},\"attributes\":{\"b\":\"2\"}}",
    "{\"attributes\":{},\"attributes\":{}}",
    "{\"event_id\":null,\"ip\":\"1.2.3.4\"}",
    "{\"event_id\":\"e\",\"event_time_ms\":1767225600000,\"amount_minor\":"
    "\"15000000\",\"type\":\"PAYOUT\"}",
    "{\"eventId\":\"e2\",\"type\":\"PAYMENT\",\"amountMinor\":5}",
    "{\"eventTimeMs\":\"1767225600000\",\"sourceAmountMinor\":\"-5\","
    "\"fxRate\":7.1234,\"counterpartyCountry\":\"DE\",\"deviceId\":\"d\"}",
};

TEST(EventJsonFastTest, EdgeLinesMatchProtobuf) {
  std::vector<std::string> lines = kWholeLines;
  for (const char* key : {"event_time_ms", "amountMinor", "source_amount_minor"}) {
    for (const std::string& v : kInt64Values) {
      lines.push_back(Field(key, v));
      lines.push_back(InLine(key, v));
    }
  }
  for (const char* key : {"fx_rate", "latitude", "longitude"}) {
    for (const std::string& v : kDoubleValues) {
      lines.push_back(Field(key, v));
      lines.push_back(InLine(key, v));
    }
  }
  for (const std::string& v : kTypeValues) {
    lines.push_back(Field("type", v));
    lines.push_back(InLine("type", v));
  }
  for (const char* key : {"event_id", "deviceId", "counterparty_country"}) {
    for (const std::string& v : kStringValues) {
      lines.push_back(Field(key, v));
      lines.push_back(InLine(key, v));
    }
  }
  for (const std::string& v : kAttributeValues) {
    lines.push_back(Field("attributes", v));
    lines.push_back(Field("attributes", v) + "}");
    lines.push_back("{\"attributes\":" + v + ",\"event_id\":\"e\"}");
  }
  int handled = 0;
  for (const std::string& line : lines) {
    if (ExpectSameAsProtobuf(line)) ++handled;
  }
  std::printf("%zu edge lines, %d by the fast path\n", lines.size(), handled);
}

// With several unknown keys the error names the first in the line, every
// time (it used to follow protobuf Map's per-instance random order, which
// made the differential test flaky).
TEST(EventJsonFastTest, UnknownFieldErrorNamesFirstUnknownKeyInLine) {
  for (int i = 0; i < 20; ++i) {
    auto event = ParseEventJson(
        R"({"event_id":"e","zz_first":1,"aa":2,"mm":{"x":1},"ip":"1.2.3.4"})");
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.status().message(), "unknown field \"zz_first\"");
  }
}

// Lines the fast path exists for must actually take it (a regression that
// declined everything would pass the differential tests).
TEST(EventJsonFastTest, CommonLinesTakeTheFastPath) {
  const std::vector<std::string> common = {
      "{}",
      "{\"event_id\":\"evt-000008\",\"channel_id\":\"bank-rails\",\"type\":"
      "\"PAYMENT\",\"event_time_ms\":1767225688360,\"account_id\":\"acct-"
      "0007\",\"counterparty\":\"merch-0023\",\"amount_minor\":89092,"
      "\"currency\":\"CNY\",\"country\":\"CN\",\"ip\":\"10.99.47.172\","
      "\"device_id\":\"dev-23fb86\",\"attributes\":{\"label\":\"resend\"}}",
      "{\"eventId\":\"e2\",\"type\":\"PAYMENT\",\"amountMinor\":\"5\"}",
      "{ \"fx_rate\" : 7.1234 , \"latitude\" : -33.5, \"longitude\": 0 }",
      "{\"event_id\":\"caf\\u00e9 \\\"x\\\" \\ud83d\\ude00\"}",
  };
  for (const std::string& line : common) {
    EXPECT_TRUE(ExpectSameAsProtobuf(line)) << "declined: " << line;
  }
}

TEST(EventJsonFastTest, SampleFileTakesTheFastPathLineForLine) {
  std::ifstream in("tools/sample/events.jsonl");
  ASSERT_TRUE(in.is_open()) << "tools/sample/events.jsonl (a data dep)";
  std::string line;
  int events = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++events;
    EXPECT_TRUE(ExpectSameAsProtobuf(line)) << "declined: " << line;
  }
  EXPECT_GT(events, 100);
}

// The fast path keeps a per-thread buffer: a short line after a long one
// must not see the long line's bytes. Lines over 64 KiB are declined.
TEST(EventJsonFastTest, ShortLineAfterLongLine) {
  const std::string long_line =
      "{\"event_id\":\"" + std::string(5000, 'x') + "\",\"amount_minor\":1234}";
  EXPECT_TRUE(ExpectSameAsProtobuf(long_line));
  const std::string huge_line =
      "{\"event_id\":\"" + std::string(70000, 'x') + "\",\"amount_minor\":1234}";
  EXPECT_FALSE(ExpectSameAsProtobuf(huge_line));
  for (const std::string& line :
       {std::string("{\"amount_minor\":12"), std::string("{\"amount_minor\":1"),
        std::string("{\"fx_rate\":1"), std::string("{\"event_id\":\"x")}) {
    ExpectSameAsProtobuf(line);
  }
}

}  // namespace
}  // namespace riskflow::replay
