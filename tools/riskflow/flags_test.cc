#include "tools/riskflow/flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riskflow::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Fixture {
  FlagSet flags{"riskflow test"};
  std::string target = "127.0.0.1:7411";
  int64_t window = 8;
  bool follow = false;
  Fixture() {
    flags.AddString("target", &target, "address");
    flags.AddInt("window", &window, "batches in flight", 1);
    flags.AddBool("follow", &follow, "keep going");
  }
};

TEST(FlagSetTest, DefaultsStayWhenUnset) {
  Fixture f;
  auto positional = f.flags.Parse({"events.jsonl"});
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_THAT(*positional, ElementsAre("events.jsonl"));
  EXPECT_EQ(f.target, "127.0.0.1:7411");
  EXPECT_EQ(f.window, 8);
  EXPECT_FALSE(f.follow);
  EXPECT_FALSE(f.flags.WasSet("window"));
}

TEST(FlagSetTest, AcceptsEqualsSpaceAndBareBooleanForms) {
  Fixture f;
  auto positional =
      f.flags.Parse({"--target=host:1", "a", "--window", "3", "--follow", "b"});
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_THAT(*positional, ElementsAre("a", "b"));
  EXPECT_EQ(f.target, "host:1");
  EXPECT_EQ(f.window, 3);
  EXPECT_TRUE(f.follow);
  EXPECT_TRUE(f.flags.WasSet("window"));
}

TEST(FlagSetTest, BooleanSpellings) {
  Fixture f;
  ASSERT_TRUE(f.flags.Parse({"--follow=true"}).ok());
  EXPECT_TRUE(f.follow);
  ASSERT_TRUE(f.flags.Parse({"--nofollow"}).ok());
  EXPECT_FALSE(f.follow);
  ASSERT_TRUE(f.flags.Parse({"-follow"}).ok());
  EXPECT_TRUE(f.follow);
  ASSERT_TRUE(f.flags.Parse({"--follow=false"}).ok());
  EXPECT_FALSE(f.follow);
  auto bad = f.flags.Parse({"--follow=maybe"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("true or false"));
}

TEST(FlagSetTest, DashIsPositionalAndDoubleDashEndsFlags) {
  Fixture f;
  auto positional = f.flags.Parse({"-", "--", "--window"});
  ASSERT_TRUE(positional.ok());
  EXPECT_THAT(*positional, ElementsAre("-", "--window"));
  EXPECT_EQ(f.window, 8);
}

TEST(FlagSetTest, UnknownFlagListsValidOnes) {
  Fixture f;
  auto result = f.flags.Parse({"--windw=3"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "unknown flag --windw for riskflow test (valid flags: --follow, "
            "--target, --window)");
}

TEST(FlagSetTest, BadIntegers) {
  Fixture f;
  auto not_number = f.flags.Parse({"--window=lots"});
  ASSERT_FALSE(not_number.ok());
  EXPECT_EQ(not_number.status().message(),
            "--window needs a whole number, not \"lots\"");
  auto too_small = f.flags.Parse({"--window", "0"});
  ASSERT_FALSE(too_small.ok());
  EXPECT_EQ(too_small.status().message(), "--window must be at least 1, not 0");
}

TEST(FlagSetTest, MissingValue) {
  Fixture f;
  auto result = f.flags.Parse({"--target"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "--target needs a value");
}

TEST(FlagSetTest, HelpListsFlagsWithDefaults) {
  Fixture f;
  std::string help = f.flags.Help();
  EXPECT_THAT(help, HasSubstr("--window=<n>"));
  EXPECT_THAT(help, HasSubstr("(default 8)"));
  EXPECT_THAT(help, HasSubstr("(default \"127.0.0.1:7411\")"));
}

TEST(FlagSetTest, RepeatableFlagCollectsEveryValue) {
  std::vector<std::string> values;
  FlagSet flags("riskflow test");
  flags.AddStringList("param", &values, "k=v");
  auto positional =
      flags.Parse({"--param=a=1", "x", "--param", "b=2,3", "-param=c"});
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_THAT(*positional, ElementsAre("x"));
  EXPECT_THAT(values, ElementsAre("a=1", "b=2,3", "c"));
  EXPECT_TRUE(flags.WasSet("param"));
  EXPECT_THAT(flags.Help(), HasSubstr("--param=<text>"));
  EXPECT_THAT(flags.Help(), HasSubstr("k=v (repeatable)"));
}

}  // namespace
}  // namespace riskflow::cli
