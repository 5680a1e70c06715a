// The command dispatcher: everything that must work without a daemon.
#include "tools/riskflow/cli.h"

#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/fake_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Invoke(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(RunCliTest, HelpListsEveryCommand) {
  Result r = Invoke({"help"});
  EXPECT_EQ(r.code, kExitOk);
  for (const char* command :
       {"publish", "evaluate", "tail", "plugins", "pipeline", "health"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("riskflow ") + command));
  }
  EXPECT_THAT(r.out, HasSubstr("--target=HOST:PORT"));
  EXPECT_EQ(Invoke({"--help"}).code, kExitOk);
}

TEST(RunCliTest, HelpForOneCommand) {
  Result r = Invoke({"help", "tail"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, StartsWith("riskflow tail SINK"));
  Result flag = Invoke({"publish", "--help"});
  EXPECT_EQ(flag.code, kExitOk);
  EXPECT_THAT(flag.out, StartsWith("riskflow publish FILE.jsonl"));
}

TEST(RunCliTest, NoArgumentsPrintsUsageAndFails) {
  Result r = Invoke({});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, StartsWith("usage: riskflow"));
  Result flags_only = Invoke({"--target", "h:1"});
  EXPECT_EQ(flags_only.code, kExitError);
  EXPECT_THAT(flags_only.err, HasSubstr("no command given"));
}

TEST(RunCliTest, UnknownCommand) {
  Result r = Invoke({"frobnicate"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, StartsWith("riskflow: unknown command \"frobnicate\""));
  EXPECT_THAT(r.err, HasSubstr("usage: riskflow"));
}

TEST(RunCliTest, UnknownFlagFailsBeforeConnecting) {
  Result r = Invoke({"health", "--verbose"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, StartsWith("riskflow health: unknown flag --verbose"));
}

TEST(RunCliTest, BadSinkFailsBeforeConnecting) {
  Result r = Invoke({"tail", "pass"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err,
            "riskflow tail: unknown sink \"pass\" (valid sinks: FREEZE, "
            "NOTIFY, MANUAL_REVIEW)\n");
}

TEST(RunCliTest, MissingFileFailsBeforeConnecting) {
  Result r = Invoke({"publish", "/nonexistent/events.jsonl"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err,
            "riskflow publish: cannot open /nonexistent/events.jsonl: No such "
            "file or directory\n");
}

TEST(RunCliTest, MalformedEvaluateEventFailsBeforeConnecting) {
  Result r = Invoke({"evaluate", "--json", "{\"event_id\":"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, StartsWith("riskflow evaluate: --json: invalid JSON: "));
}

TEST(RunCliTest, UnreachableDaemonFailsFast) {
  // A port that was just free: nothing listens there.
  std::string target;
  {
    testing::FakeDaemon daemon;
    target = daemon.target();
  }
  Result r = Invoke({"--target", target, "health", "--connect_timeout_ms=300"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err, "riskflow health: cannot reach riskflowd at " + target +
                       ": failed to connect (is the daemon running? use "
                       "--target)\n");
}

TEST(RunCliTest, GlobalFlagBeforeCommandReachesTheDaemon) {
  testing::FakeDaemon daemon;
  daemon.admin.health.set_serving(true);
  Result r = Invoke({"--target", daemon.target(), "health"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("serving             yes"));
}

}  // namespace
}  // namespace riskflow::cli
