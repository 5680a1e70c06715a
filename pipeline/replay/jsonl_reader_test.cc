#include "pipeline/replay/jsonl_reader.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riskflow::replay {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string WriteTempFile(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(JsonlEventReaderTest, ReadsEventsSkippingBlankAndCommentLines) {
  std::string path = WriteTempFile(
      "events.jsonl",
      "# demo stream\n"
      "\n"
      "{\"event_id\":\"e1\",\"channel_id\":\"wallet-app\",\"type\":\"PAYOUT\","
      "\"event_time_ms\":1767225600000,\"amount_minor\":\"15000000\","
      "\"currency\":\"CNY\",\"attributes\":{\"label\":\"large\"}}\r\n"
      "   \n"
      "{\"eventId\":\"e2\",\"type\":\"PAYMENT\",\"amountMinor\":5}\n");
  auto reader = JsonlEventReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();

  riskflow::v1::Event event;
  auto more = (*reader)->Next(&event);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_TRUE(*more);
  EXPECT_EQ((*reader)->line(), 3);
  EXPECT_EQ(event.event_id(), "e1");
  EXPECT_EQ(event.channel_id(), "wallet-app");
  EXPECT_EQ(event.type(), riskflow::v1::PAYOUT);
  EXPECT_EQ(event.event_time_ms(), 1767225600000);
  EXPECT_EQ(event.amount_minor(), 15000000);
  EXPECT_EQ(event.attributes().at("label"), "large");

  more = (*reader)->Next(&event);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_TRUE(*more);
  EXPECT_EQ((*reader)->line(), 5);
  EXPECT_EQ(event.event_id(), "e2");
  // Next must not leak fields from the previous event.
  EXPECT_EQ(event.channel_id(), "");
  EXPECT_EQ(event.amount_minor(), 5);

  more = (*reader)->Next(&event);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(JsonlEventReaderTest, MalformedLineNamesFileLineAndReason) {
  std::string path = WriteTempFile("bad.jsonl",
                                   "{\"event_id\":\"ok\"}\n"
                                   "{\"event_id\": \"broken\"\n"
                                   "{\"event_id\":\"after\"}\n");
  auto reader = JsonlEventReader::Open(path);
  ASSERT_TRUE(reader.ok());
  riskflow::v1::Event event;
  ASSERT_TRUE(*(*reader)->Next(&event));

  auto bad = (*reader)->Next(&event);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              StartsWith(path + ":2: invalid JSON: "));
  // One line, so a CLI can print it as a sentence.
  EXPECT_EQ(std::string(bad.status().message()).find('\n'), std::string::npos);

  // The reader can go on after a bad line.
  auto after = (*reader)->Next(&event);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
  EXPECT_EQ(event.event_id(), "after");
  EXPECT_EQ((*reader)->line(), 3);
}

TEST(JsonlEventReaderTest, MissingFileIsNotFound) {
  auto reader = JsonlEventReader::Open(::testing::TempDir() + "/nope.jsonl");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("cannot open"));
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr("No such file or directory"));
}

TEST(JsonlEventReaderTest, FromStreamUsesGivenName) {
  std::istringstream in("{\"event_id\":\"a\"}\n{\"nope\":1}\n");
  auto reader = JsonlEventReader::FromStream(&in, "<stdin>");
  riskflow::v1::Event event;
  ASSERT_TRUE(*reader->Next(&event));
  auto bad = reader->Next(&event);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "<stdin>:2: invalid JSON: unknown field \"nope\"");
}

TEST(JsonlEventReaderTest, AByteOrderMarkIsSkippedOnTheFirstLineOnly) {
  std::istringstream in(
      "\xEF\xBB\xBF{\"event_id\":\"a\"}\n\xEF\xBB\xBF{\"event_id\":\"b\"}\n");
  auto reader = JsonlEventReader::FromStream(&in, "bom");
  riskflow::v1::Event event;
  auto first = reader->Next(&event);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(event.event_id(), "a");
  // Elsewhere a BOM is not whitespace: the line is malformed.
  EXPECT_FALSE(reader->Next(&event).ok());
  EXPECT_EQ(reader->line(), 2);
}

TEST(JsonlEventReaderTest, EmptyInputIsImmediateEof) {
  std::istringstream in("");
  auto reader = JsonlEventReader::FromStream(&in, "empty");
  riskflow::v1::Event event;
  auto more = reader->Next(&event);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_EQ(reader->line(), 0);
}

TEST(ParseEventJsonTest, UnknownFieldIsNamed) {
  auto event = ParseEventJson(R"({"event_id":"e","ammount_minor":5})");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().message(), "unknown field \"ammount_minor\"");
}

// Found by //fuzz:event_json_fuzzer: with "" among the unknown keys the
// message depended on protobuf's randomly seeded map order (it was either
// this or protobuf's own "account_ld: Cannot find field.").
TEST(ParseEventJsonTest, EmptyUnknownKeyIsNamedEveryTime) {
  const std::string line =
      R"({"event_id":"e","":1,"account_ld":"a","type":"LOGIN"})";
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<riskflow::v1::Event> event = ParseEventJson(line);
    ASSERT_FALSE(event.ok());
    ASSERT_EQ(event.status().message(), "unknown field \"\"") << "call " << i;
  }
}

TEST(ParseEventJsonTest, UnknownEnumNameIsAnError) {
  auto event = ParseEventJson(R"({"type":"PAYOUTS"})");
  ASSERT_FALSE(event.ok());
  EXPECT_FALSE(event.status().message().empty());
}

TEST(ParseEventJsonTest, WrongValueTypeIsAnError) {
  auto event = ParseEventJson(R"({"amount_minor":"lots"})");
  ASSERT_FALSE(event.ok());
  EXPECT_FALSE(event.status().message().empty());
}

TEST(ParseEventJsonTest, NonObjectIsAnError) {
  auto event = ParseEventJson("[1, 2]");
  ASSERT_FALSE(event.ok());
  EXPECT_FALSE(event.status().message().empty());
}

TEST(DecisionToJsonTest, SingleLineWithProtoNamesAndEnumNames) {
  riskflow::v1::Decision decision;
  decision.set_decision_id("wallet-app/e1");
  decision.set_event_id("e1");
  decision.set_sequence(42);
  decision.add_routes(riskflow::v1::MANUAL_REVIEW);
  decision.set_route(riskflow::v1::MANUAL_REVIEW);
  auto* annotation = decision.add_annotations();
  annotation->set_detector("large_payout");
  annotation->set_message("line one\nline two");
  std::string json = DecisionToJson(decision);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_THAT(json, HasSubstr("\"decision_id\":\"wallet-app/e1\""));
  EXPECT_THAT(json, HasSubstr("\"route\":\"MANUAL_REVIEW\""));
  EXPECT_THAT(json, HasSubstr("\"sequence\":\"42\""));
  EXPECT_THAT(json, HasSubstr("line one\\nline two"));
}

}  // namespace
}  // namespace riskflow::replay
