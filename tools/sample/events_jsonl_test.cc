// The checked-in demo stream must parse with the strict JSONL reader (no
// unknown fields, valid enums) and keep the shape README.md describes.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::replay {
namespace {

TEST(SampleEventsTest, ParsesAndMatchesTheReadme) {
  auto reader = JsonlEventReader::Open("tools/sample/events.jsonl");
  ASSERT_TRUE(reader.ok()) << reader.status();
  riskflow::v1::Event event;
  int events = 0;
  int64_t last_time = 0;
  std::set<std::pair<std::string, std::string>> ids;
  int resends = 0;
  std::map<std::string, int> labels;
  while (true) {
    auto more = (*reader)->Next(&event);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ++events;
    auto label = event.attributes().find("label");
    if (label != event.attributes().end()) ++labels[label->second];
    if (!ids.insert({event.channel_id(), event.event_id()}).second) {
      ++resends;
      continue;  // the re-send keeps its original (earlier) event time
    }
    EXPECT_GT(event.event_time_ms(), last_time) << event.event_id();
    last_time = event.event_time_ms();
    EXPECT_GE(event.event_time_ms(), 1767225600000);
  }
  EXPECT_EQ(events, 232);
  EXPECT_EQ(resends, 1);
  EXPECT_EQ(labels["velocity_burst"], 8);
  EXPECT_EQ(labels["velocity_extreme"], 25);
  EXPECT_EQ(labels["large_payout"], 1);
  EXPECT_EQ(labels["large_payout_near_miss"], 1);
  EXPECT_EQ(labels["duplicate_payout"], 1);
  EXPECT_EQ(labels["duplicate_payout_original"], 1);
  EXPECT_EQ(labels["duplicate_payout_lookalike"], 2);
  EXPECT_EQ(labels["resend"], 2);
}

}  // namespace
}  // namespace riskflow::replay
