#include "pipeline/config/duration.h"

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riskflow {
namespace config {
namespace {

TEST(ParseDurationMsTest, AcceptsEachUnit) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("30s"), 30'000);
  EXPECT_EQ(*ParseDurationMs("5m"), 300'000);
  EXPECT_EQ(*ParseDurationMs("24h"), 86'400'000);
  EXPECT_EQ(*ParseDurationMs("7d"), 604'800'000);
  EXPECT_EQ(*ParseDurationMs("0"), 0);
  EXPECT_EQ(*ParseDurationMs("0s"), 0);
}

TEST(ParseDurationMsTest, RejectsMalformedInput) {
  for (const char* bad :
       {"", "5", "ms", "5 parsecs", "5 m", " 5m", "5m ", "+5m", "-5m", "1.5s",
        "5M", "5sec", "5mm", "5us", "99999999999999999999ms"}) {
    absl::StatusOr<int64_t> got = ParseDurationMs(bad);
    EXPECT_FALSE(got.ok()) << "'" << bad << "' parsed as " << *got;
  }
}

TEST(ParseDurationMsTest, ErrorQuotesTheInput) {
  absl::StatusOr<int64_t> got = ParseDurationMs("5 parsecs");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status().message(), "invalid duration '5 parsecs'");
}

TEST(ParseDurationMsTest, RejectsOverflowAfterScaling) {
  // Fits in int64 as a count of days, not as microseconds.
  EXPECT_FALSE(ParseDurationMs("106751992d").ok());
  EXPECT_TRUE(ParseDurationMs("106751991d").ok());
}

TEST(ParseDurationUsTest, AcceptsMicroseconds) {
  EXPECT_EQ(*ParseDurationUs("500us"), 500);
  EXPECT_EQ(*ParseDurationUs("2ms"), 2000);
  EXPECT_EQ(*ParseDurationUs("1s"), 1'000'000);
  EXPECT_FALSE(ParseDurationUs("2 ms").ok());
}

}  // namespace
}  // namespace config
}  // namespace riskflow
