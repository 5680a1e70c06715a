#include "pipeline/common/logger.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riskflow::logging {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::Time Noon() {
  return absl::FromCivil(absl::CivilSecond(2026, 12, 3, 12, 0, 1),
                         absl::UTCTimeZone()) +
         absl::Microseconds(42);
}

TEST(FormatLine, NamesComponentShardAndDetector) {
  EXPECT_EQ(FormatLine(Noon(), Level::kWarning,
                       {"engine", 2, "velocity"}, "commit failed"),
            "2026-12-03T12:00:01.000042Z W engine shard=2 "
            "detector=\"velocity\" commit failed");
}

TEST(FormatLine, LeavesOutUnknownFields) {
  EXPECT_EQ(FormatLine(Noon(), Level::kInfo, {"disk"}, "ok"),
            "2026-12-03T12:00:01.000042Z I disk ok");
}

TEST(FormatLine, OneLineWhateverTheMessageHolds) {
  const std::string line =
      FormatLine(Noon(), Level::kError, {"plugin_host", 0, "ev\"il\nname"},
                 "first\nsecond\r\x01");
  EXPECT_THAT(line, Not(HasSubstr("\n")));
  EXPECT_THAT(line, Not(HasSubstr("\r")));
  EXPECT_THAT(line, HasSubstr("detector=\"ev\\\"il\\nname\""));
  EXPECT_THAT(line, HasSubstr("first\\nsecond\\r\\x01"));
}

class CapturingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetSink(nullptr);
    SetMinLevel(Level::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(CapturingTest, DropsBelowMinLevel) {
  Log(Level::kDebug, {"x"}, "hidden");
  Log(Level::kInfo, {"x"}, "shown");
  SetMinLevel(Level::kError);
  Log(Level::kWarning, {"x"}, "hidden too");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], HasSubstr(" I x shown"));
}

TEST_F(CapturingTest, RateLimiterCountsWhatItSuppressed) {
  RateLimiter limiter(2, absl::Milliseconds(200));
  for (int i = 0; i < 10; ++i) {
    LogRateLimited(limiter, Level::kWarning, {"x", 1}, "hot");
  }
  ASSERT_EQ(lines_.size(), 2u);
  absl::SleepFor(absl::Milliseconds(250));
  LogRateLimited(limiter, Level::kWarning, {"x", 1}, "hot");
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_THAT(lines_[2], HasSubstr("hot (8 similar messages suppressed)"));
}

}  // namespace
}  // namespace riskflow::logging
