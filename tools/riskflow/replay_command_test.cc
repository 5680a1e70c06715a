// `riskflow replay`: flags, the summary, exit codes and refusals, through
// the CLI dispatcher, with the real engine and plugins in this process.
#include "tools/riskflow/replay_command.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"

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

std::string Tmp(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

TEST(ReplayCommandTest, ParsesFlags) {
  auto o = ParseReplayArgs({"--input=tools/sample/events.jsonl", "--out",
                            "/tmp/x.pb", "--out_format=proto", "--shards=3",
                            "--batch_size=10", "--format=jsonl",
                            "--ids_in_memory=5"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->input.path, "tools/sample/events.jsonl");
  EXPECT_EQ(o->input.format, replay::FileFormat::kJsonl);
  EXPECT_EQ(o->out_format, replay::OutputFormat::kProto);
  EXPECT_EQ(o->shards, 3u);
  EXPECT_EQ(o->batch_size, 10u);
  EXPECT_EQ(o->ids_in_memory, 5u);
  EXPECT_EQ(o->pipeline.name(), "default");
  EXPECT_FALSE(o->progress);  // stderr is no terminal under test

  auto l = ParseReplayArgs({"--from_log", "/data", "--out", "o.jsonl",
                            "--from_ms", "5", "--channels", "a, b",
                            "--accounts", "x"});
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->log_filter.from_ms, 5);
  EXPECT_FALSE(l->log_filter.to_ms.has_value());
  EXPECT_THAT(l->log_filter.channels, ::testing::ElementsAre("a", "b"));
  EXPECT_THAT(l->log_filter.accounts, ::testing::ElementsAre("x"));
}

TEST(ReplayCommandTest, FlagErrorsAreSentences) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--out", "o"},
       "needs exactly one input: --input FILE or --from_log DATA_DIR"},
      {{"--input", "a.jsonl", "--from_log", "d", "--out", "o"},
       "needs exactly one input: --input FILE or --from_log DATA_DIR"},
      {{"--input", "a.jsonl"},
       "needs --out FILE for the decisions (a replay never writes to "
       "sinks)"},
      {{"--input", "a.jsonl", "--out", "o", "--from_ms", "1"},
       "--from_ms filters --from_log input only"},
      {{"--from_log", "d", "--out", "o", "--csv_map", "a=b"},
       "--csv_map applies to --input files only"},
      {{"--input", "a.jsonl", "--out", "o", "--out_format", "xml"},
       "unknown output format \"xml\" (expected jsonl or proto)"},
      {{"--input", "a.jsonl", "--out", "o", "--shards", "300"},
       "--shards must be at most 256, got 300"},
      {{"--input", "a.jsonl", "--out", "o", "--pipeline", "/no/such.yaml"},
       "/no/such.yaml"},
  };
  for (const Case& c : cases) {
    auto o = ParseReplayArgs(c.args);
    ASSERT_FALSE(o.ok()) << c.message;
    EXPECT_THAT(std::string(o.status().message()), HasSubstr(c.message));
  }
}

TEST(ReplayCommandTest, ReplaysAFileAndPrintsTheSummary) {
  const std::string out = Tmp("cli-decisions.jsonl");
  Result r = Invoke({"replay", "--input", "tools/sample/events.jsonl",
                     "--out", out, "--shards", "2"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");  // no progress bar without a terminal
  EXPECT_THAT(r.out, StartsWith("replayed 232 events from "
                                "tools/sample/events.jsonl in "));
  EXPECT_THAT(r.out, HasSubstr("  decided:    231 -> " + out + " (jsonl)"));
  EXPECT_THAT(r.out, HasSubstr("  duplicates: 1\n"));
  EXPECT_THAT(r.out, HasSubstr("    FREEZE         "));
  EXPECT_THAT(r.out, HasSubstr("    velocity_burst         "));
  EXPECT_THAT(r.out, HasSubstr("  sha256:     "));
  std::ifstream in(out);
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(in), {}, '\n'), 231);
}

TEST(ReplayCommandTest, RejectedEventsGiveExitCodeTwo) {
  const std::string input = Tmp("bad.csv");
  std::ofstream(input)
      << "event_id,channel_id,account_id,type,event_time_ms,amount_minor,"
         "currency\n"
         "e1,c,a,PAYMENT,1767225600000,5,CNY\n"
         "e2,c,a,PAYMENT,1767225600001,-5,CNY\n";
  Result r = Invoke({"replay", "--input", input, "--out", Tmp("bad.out"),
                     "--shards", "1"});
  EXPECT_EQ(r.code, kExitRejected) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  decided:    1 -> "));
  EXPECT_THAT(r.out, HasSubstr("  rejected:   1\n"));
  EXPECT_THAT(r.out, HasSubstr("bad.csv:3 (event_id \"e2\"): amount_minor"));
}

TEST(ReplayCommandTest, RefusesADataDirectoryAsStateDir) {
  const std::string data = Tmp("looks-live");
  mkdir(data.c_str(), 0755);
  mkdir((data + "/engine").c_str(), 0755);
  std::ofstream(data + "/engine/CURRENT") << "MANIFEST-000001\n";
  Result r = Invoke({"replay", "--input", "tools/sample/events.jsonl",
                     "--out", Tmp("never.jsonl"), "--state_dir", data});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, StartsWith("riskflow replay: refusing --state_dir " +
                                data + ": it holds RocksDB data"));
  EXPECT_FALSE(std::ifstream(Tmp("never.jsonl")).good());
}

TEST(ReplayCommandTest, HelpAndUsage) {
  Result help = Invoke({"help", "replay"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_THAT(help.out, StartsWith("riskflow replay (--input FILE"));
  EXPECT_THAT(Invoke({"help"}).out, HasSubstr("riskflow replay"));
  Result bad = Invoke({"replay", "--bogus"});
  EXPECT_EQ(bad.code, kExitError);
  EXPECT_THAT(bad.err, StartsWith("riskflow replay: "));
  EXPECT_THAT(bad.err, HasSubstr("riskflow replay (--input FILE"));
}

}  // namespace
}  // namespace riskflow::cli
