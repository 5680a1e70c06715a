// `riskflow quarantine list|clear` against the real daemon, plus the table
// and the argument checks. (Quarantining a real detector takes a crashing
// plugin and a restart: tests/plugin_crash_test.cc does that over Admin.)
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/quarantine.h"
#include "tools/riskflow/test_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

Result Cli(std::vector<std::string> args) {
  Result r;
  std::ostringstream out, err;
  r.code = RunCli(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(QuarantineCommandTest, ListAndClearAgainstTheDaemon) {
  auto daemon = testing::TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  const std::string target = "--target=" + (*daemon)->target();

  Result list = Cli({"quarantine", "list", target});
  EXPECT_EQ(list.code, kExitOk) << list.err;
  EXPECT_EQ(list.out, "no detector is quarantined\n");

  Result json = Cli({"quarantine", "list", "--format=json", target});
  EXPECT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("{"));

  Result clear = Cli({"quarantine", "clear", "velocity_burst", target});
  EXPECT_EQ(clear.code, kExitError);
  EXPECT_THAT(clear.err,
              HasSubstr("detector 'velocity_burst' is not quarantined"));

  Result health = Cli({"health", target});
  EXPECT_EQ(health.code, kExitOk) << health.err;
  EXPECT_THAT(health.out, HasSubstr("quarantined         none\n"));
}

TEST(QuarantineCommandTest, ArgumentsAreChecked) {
  EXPECT_FALSE(ParseQuarantineArgs({}).ok());
  EXPECT_FALSE(ParseQuarantineArgs({"clear"}).ok());
  EXPECT_FALSE(ParseQuarantineArgs({"clear", "a", "b"}).ok());
  EXPECT_FALSE(ParseQuarantineArgs({"lift", "a"}).ok());
  auto clear = ParseQuarantineArgs({"clear", "crashy"});
  ASSERT_TRUE(clear.ok()) << clear.status();
  EXPECT_TRUE(clear->clear);
  EXPECT_EQ(clear->detector, "crashy");
  auto list = ParseQuarantineArgs({"list"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_FALSE(list->clear);
}

TEST(QuarantineCommandTest, TableNamesReasonSequenceAndBuild) {
  riskflow::v1::ListQuarantinesResponse r;
  riskflow::v1::QuarantinedDetector* q = r.add_detectors();
  q->set_detector("crashy");
  q->set_reason("crashed the daemon (SIGSEGV) on log sequence 18");
  q->set_sequence(18);
  q->set_since_ms(1700000000000);
  q->set_plugin_build_id("0123456789abcdef0123");
  const std::string text = FormatQuarantines(r);
  EXPECT_THAT(text, HasSubstr("DETECTOR"));
  EXPECT_THAT(text, HasSubstr("crashy"));
  EXPECT_THAT(text, HasSubstr("2023-11-14T22:13:20Z"));
  EXPECT_THAT(text, HasSubstr("0123456789ab "));
  EXPECT_THAT(text, HasSubstr("crashed the daemon (SIGSEGV) on log sequence 18"));
}

}  // namespace
}  // namespace riskflow::cli
