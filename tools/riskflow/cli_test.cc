// The command dispatcher: everything that must work without a daemon.
#include "tools/riskflow/cli.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/test_daemon.h"

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

// A port the real daemon listened on a moment ago: nothing listens there now.
std::string StoppedDaemonTarget() {
  auto daemon = testing::TestDaemon::Start();
  EXPECT_TRUE(daemon.ok()) << daemon.status();
  if (!daemon.ok()) return "127.0.0.1:1";
  std::string target = (*daemon)->target();
  (*daemon)->Shutdown();
  return target;
}

TEST(RunCliTest, UnreachableDaemonFailsFast) {
  const std::string target = StoppedDaemonTarget();
  Result r = Invoke({"--target", target, "health", "--connect_timeout_ms=300"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "riskflow health: cannot reach riskflowd at " + target +
                       ": failed to connect (is the daemon running? use "
                       "--target)\n");
}

TEST(RunCliTest, EveryCommandExplainsAnUnreachableDaemon) {
  const std::string target = StoppedDaemonTarget();
  const std::vector<std::vector<std::string>> commands = {
      {"publish", testing::kSampleEvents},
      {"evaluate", "--json",
       R"({"event_id":"e1","channel_id":"c1","type":"LOGIN",)"
       R"("event_time_ms":1767225600000,"account_id":"acct-0001"})"},
      {"tail", "freeze"},
      {"plugins"},
      {"pipeline"},
      {"health"},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(command[0]);
    std::vector<std::string> args = {"--target", target,
                                     "--connect_timeout_ms=300"};
    args.insert(args.end(), command.begin(), command.end());
    Result r = Invoke(args);
    EXPECT_EQ(r.code, kExitError);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "riskflow " + command[0] +
                         ": cannot reach riskflowd at " + target +
                         ": failed to connect (is the daemon running? use "
                         "--target)\n");
  }
}

TEST(RunCliTest, GlobalFlagBeforeCommandReachesTheDaemon) {
  auto daemon = testing::TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  Result r = Invoke({"--target", (*daemon)->target(), "health"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("serving             yes\n"));
  EXPECT_THAT(r.out, HasSubstr("durable sequence    0\n"));
  EXPECT_EQ(r.err, "");
}

// The demo from tools/sample/README.md, run as a user would: publish the
// sample to a fresh daemon, then read every sink and the health.
TEST(RunCliTest, SampleStreamEndToEnd) {
  auto started = testing::TestDaemon::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  testing::TestDaemon& daemon = **started;
  const std::string target = daemon.target();

  Result publish = Invoke({"publish", testing::kSampleEvents, "--target",
                           target});
  ASSERT_EQ(publish.code, kExitOk) << publish.err;
  EXPECT_THAT(publish.out,
              StartsWith("published 232 events from tools/sample/events.jsonl "
                         "in 2 batches ("));
  EXPECT_THAT(publish.out, HasSubstr("\n  accepted:   231\n"
                                     "  duplicates: 1\n"
                                     "  rejected:   0\n"
                                     "  highest durable sequence: 231\n"));
  EXPECT_EQ(publish.err, "");
  ASSERT_TRUE(daemon.WaitProcessed().ok());

  struct Expected {
    const char* arg;
    riskflow::v1::Route sink;
    size_t count;
  };
  for (const Expected& e : {Expected{"freeze", riskflow::v1::FREEZE, 5},
                            Expected{"manual_review",
                                     riskflow::v1::MANUAL_REVIEW, 2},
                            Expected{"notify", riskflow::v1::NOTIFY, 19}}) {
    SCOPED_TRACE(e.arg);
    Result tail = Invoke({"--target", target, "tail", e.arg});
    ASSERT_EQ(tail.code, kExitOk) << tail.err;
    EXPECT_EQ(tail.err, "");
    auto lines = testing::ParseTailText(tail.out);
    ASSERT_TRUE(lines.ok()) << lines.status();
    ASSERT_EQ(lines->size(), e.count) << tail.out;
    std::vector<std::string> ids;
    for (size_t i = 0; i < lines->size(); ++i) {
      EXPECT_EQ((*lines)[i].sink_sequence, i + 1);
      ids.push_back((*lines)[i].event_id);
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, testing::SampleSinkEventIds(e.sink));
  }

  Result health = Invoke({"health", "--target", target});
  EXPECT_EQ(health.code, kExitOk) << health.err;
  EXPECT_THAT(health.out, HasSubstr("serving             yes\n"
                                    "durable sequence    231\n"
                                    "processed sequence  231  (0 behind)\n"));
  EXPECT_THAT(health.out, HasSubstr("events rejected     0\n"
                                    "sink FREEZE         5\n"
                                    "sink MANUAL_REVIEW  2\n"
                                    "sink NOTIFY         19\n"));

  // A second publish of the same file: every event is a duplicate.
  Result again = Invoke({"--target", target, "publish", testing::kSampleEvents});
  EXPECT_EQ(again.code, kExitOk) << again.err;
  EXPECT_THAT(again.out, HasSubstr("  accepted:   0\n  duplicates: 232\n"));
}

}  // namespace
}  // namespace riskflow::cli
