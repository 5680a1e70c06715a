// `riskflow plugin test` on real plugins (velocity, the generated
// hello_detector, the test-only faulty and wrong-ABI plugins).
#include "tools/riskflow/plugin_test_command.h"

#include <stdlib.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Runfile(const std::string& path) {
  return absl::StrCat(getenv("TEST_SRCDIR"), "/riskflow/", path);
}
const std::string& Velocity() {
  static const std::string path = Runfile("plugins/velocity/libvelocity.so");
  return path;
}
const std::string& Burst() {
  static const std::string path =
      Runfile("tools/riskflow/testdata/velocity_burst.jsonl");
  return path;
}

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Invoke(std::vector<std::string> args) {
  args.insert(args.begin(), {"plugin", "test"});
  std::ostringstream out, err;
  int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

// The block of one event: its header line and the indented lines below it.
std::string EventBlock(const std::string& out, const std::string& event_id) {
  size_t start = out.find("\n" + event_id + " ");
  if (start == std::string::npos) return "<no event " + event_id + ">";
  std::string block;
  for (absl::string_view line : absl::StrSplit(out.substr(start + 1), '\n')) {
    if (!block.empty() && !absl::StartsWith(line, " ")) break;
    absl::StrAppend(&block, line, "\n");
  }
  return block;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(PluginTestCommandTest, VelocityShowsAnnotationsAndStateReads) {
  Result r = Invoke({"--plugin", Velocity(), "--events", Burst(), "--params",
                     "max_events=2,types=PAYOUT,TRANSFER"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, StartsWith("plugin velocity "));
  EXPECT_THAT(r.out, HasSubstr("\n  detector velocity\n"));
  EXPECT_THAT(r.out, HasSubstr("\n  params max_events=2, window=60000ms, "
                               "bucket=1000ms, types=PAYOUT,TRANSFER"));
  EXPECT_THAT(r.out, HasSubstr("\n  call declare_state events COUNTER "
                               "window=60000ms bucket=1000ms -> handle 1\n"));
  EXPECT_EQ(EventBlock(r.out, "evt-2"),
            "evt-2 PAYOUT 2026-01-01T00:00:01.000Z (1767225601000) "
            "account=acct-1\n"
            "  call window_add events[acct-1] +1 -> ok\n"
            "  call window_total events[acct-1] window=60000ms -> 2\n");
  // A LOGIN is not counted: no state touched.
  EXPECT_EQ(EventBlock(r.out, "evt-3"),
            "evt-3 LOGIN 2026-01-01T00:00:01.500Z (1767225601500) "
            "account=acct-1\n");
  EXPECT_EQ(EventBlock(r.out, "evt-4"),
            "evt-4 TRANSFER 2026-01-01T00:00:02.000Z (1767225602000) "
            "account=acct-2\n"
            "  call window_add events[acct-2] +1 -> ok\n"
            "  call window_total events[acct-2] window=60000ms -> 1\n");
  EXPECT_EQ(EventBlock(r.out, "evt-5"),
            "evt-5 PAYOUT 2026-01-01T00:00:03.000Z (1767225603000) "
            "account=acct-1\n"
            "  annotation VELOCITY score=0.75 route=FREEZE\n"
            "    message  3 PAYOUT/TRANSFER events in 1m, above the limit of "
            "2\n"
            "    evidence count=3, window_ms=60000, max_events=2\n"
            "  call window_add events[acct-1] +1 -> ok\n"
            "  call window_total events[acct-1] window=60000ms -> 3\n");
  EXPECT_THAT(r.out, HasSubstr("\nsummary: 5 events, 1 annotated, 0 failed\n"
                               "  VELOCITY  1\n"));
}

// Events are fed with the event log's watermark: a payout that arrives
// after one 20 minutes newer is later than the allowed lateness, and its
// 1-minute window lies behind the visibility horizon, as in riskflowd.
TEST(PluginTestCommandTest, LateEventsSeeWhatRiskflowdShowsThem) {
  std::string events;
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&events, "{\"event_id\":\"p", i,
                    "\",\"channel_id\":\"w\",\"type\":\"PAYOUT\","
                    "\"event_time_ms\":",
                    1767225600000 + i * 1000,
                    ",\"account_id\":\"a\",\"amount_minor\":1,"
                    "\"currency\":\"USD\"}\n");
  }
  absl::StrAppend(&events,
                  "{\"event_id\":\"later\",\"channel_id\":\"w\","
                  "\"type\":\"PAYOUT\",\"event_time_ms\":1767226800000,"
                  "\"account_id\":\"b\",\"amount_minor\":1,"
                  "\"currency\":\"USD\"}\n"
                  "{\"event_id\":\"late\",\"channel_id\":\"w\","
                  "\"type\":\"PAYOUT\",\"event_time_ms\":1767225603000,"
                  "\"account_id\":\"a\",\"amount_minor\":1,"
                  "\"currency\":\"USD\"}\n");
  const std::string path = WriteTemp("late.jsonl", events);
  Result clipped = Invoke({"--plugin", Velocity(), "--events", path,
                           "--params", "max_events=2,types=PAYOUT"});
  ASSERT_EQ(clipped.code, kExitOk) << clipped.err;
  EXPECT_THAT(EventBlock(clipped.out, "late"),
              HasSubstr("call window_total events[a] window=60000ms -> 0\n"));
  // With a lateness of a day the same event is on time and sees the burst.
  Result whole = Invoke({"--plugin", Velocity(), "--events", path, "--params",
                         "max_events=2,types=PAYOUT",
                         "--allowed_lateness_ms=86400000"});
  ASSERT_EQ(whole.code, kExitOk) << whole.err;
  EXPECT_THAT(EventBlock(whole.out, "late"),
              HasSubstr("call window_total events[a] window=60000ms -> 4\n"));
  EXPECT_THAT(EventBlock(whole.out, "late"), HasSubstr("annotation VELOCITY"));
}

TEST(PluginTestCommandTest, JsonLinesParseAndCarryTheDetectorName) {
  Result r = Invoke({"--plugin",
                     Runfile("plugins/hello_detector/libhello_detector.so"),
                     "--events", Burst(), "--param", "max_events=2",
                     "--detector", "burst_check", "--format", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  std::vector<std::string> lines =
      absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 7u);  // plugin, 5 events, summary
  for (const std::string& line : lines) {
    google::protobuf::Struct parsed;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok())
        << line;
  }
  EXPECT_THAT(lines[0], StartsWith("{\"plugin\":{\"name\":\"hello_detector\","
                                   "\"version\":\"0.1.0\""));
  EXPECT_THAT(lines[0], HasSubstr("\"detector\":\"burst_check\""));
  // hello_detector counts every type: the LOGIN evt-3 is acct-1's third.
  EXPECT_THAT(lines[3], HasSubstr("\"annotations\":[{\"detector\":"
                                  "\"burst_check\",\"reason_code\":"
                                  "\"HELLO_DETECTOR\",\"score\":0.75"));
  EXPECT_THAT(lines[3], HasSubstr("{\"key\":\"count\",\"value\":\"3\"}"));
  EXPECT_THAT(lines[3], HasSubstr("\"text\":\"window_total events[acct-1] "
                                  "window=600000ms -> 3\""));
  EXPECT_THAT(lines[5], HasSubstr("{\"key\":\"count\",\"value\":\"4\"}"));
  EXPECT_EQ(lines[6],
            "{\"summary\":{\"events\":5,\"annotated\":2,\"failed\":0,"
            "\"annotations\":{\"HELLO_DETECTOR\":2}}}");
}

TEST(PluginTestCommandTest, BadParamsNameTheParameterAndShowTheSchema) {
  Result r = Invoke(
      {"--plugin", Velocity(), "--events", Burst(), "--param=max_events=ten"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("riskflow plugin test: bad parameters for "
                                "velocity: parameter 'max_events': expected "
                                "an integer, got 'ten'\nvelocity parameters:"
                                "\n  PARAM "));
  EXPECT_THAT(r.err, HasSubstr("\n  max_events  INT "));

  Result unknown = Invoke(
      {"--plugin", Velocity(), "--events", Burst(), "--params", "max_evnts=3"});
  EXPECT_EQ(unknown.code, kExitError);
  EXPECT_THAT(unknown.err, StartsWith("riskflow plugin test: bad parameters "
                                      "for velocity: parameter 'max_evnts': "
                                      "unknown parameter; expected one of: "
                                      "max_events, "));

  Result twice =
      Invoke({"--plugin", Velocity(), "--events", Burst(), "--params",
              "max_events=3", "--param", "max_events=4"});
  EXPECT_EQ(twice.code, kExitError);
  EXPECT_EQ(twice.err,
            "riskflow plugin test: parameter 'max_events' is given twice\n");

  // Valid by the schema, refused by the detector's own Init.
  Result init = Invoke(
      {"--plugin", Velocity(), "--events", Burst(), "--param", "bucket=2m"});
  EXPECT_EQ(init.code, kExitError);
  EXPECT_EQ(init.err,
            "riskflow plugin test: velocity refused to start: parameter "
            "'bucket': 2m is longer than the window of 1m\n");
}

TEST(PluginTestCommandTest, MissingFilesAndBadLines) {
  Result no_plugin =
      Invoke({"--plugin", "/nonexistent/libx.so", "--events", Burst()});
  EXPECT_EQ(no_plugin.code, kExitError);
  EXPECT_EQ(no_plugin.err,
            "riskflow plugin test: plugin /nonexistent/libx.so: no such "
            "file\n");

  Result no_events =
      Invoke({"--plugin", Velocity(), "--events", "/nonexistent/e.jsonl"});
  EXPECT_EQ(no_events.code, kExitError);
  EXPECT_EQ(no_events.err,
            "riskflow plugin test: cannot open /nonexistent/e.jsonl: No such "
            "file or directory\n");

  std::string bad =
      WriteTemp("bad.jsonl",
                "# comment\n{\"event_id\":\"a\",\"type\":\"PAYOUT\"}\n"
                "{\"event_id\":\"b\",\"ammount_minor\":3}\n");
  Result bad_line = Invoke({"--plugin", Velocity(), "--events", bad});
  EXPECT_EQ(bad_line.code, kExitError);
  EXPECT_EQ(bad_line.out, "");  // nothing runs before the input is known good
  EXPECT_EQ(
      bad_line.err,
      absl::StrCat("riskflow plugin test: ", bad,
                   ":3: invalid JSON: unknown field \"ammount_minor\"\n"));

  // Refused by the ELF check before dlopen() (docs/plugin-loading.md).
  Result not_a_plugin = Invoke({"--plugin", bad, "--events", Burst()});
  EXPECT_EQ(not_a_plugin.code, kExitError);
  EXPECT_EQ(not_a_plugin.err,
            absl::StrCat("riskflow plugin test: plugin ", bad,
                         ": not an ELF file (bad magic number)\n"));
}

TEST(PluginTestCommandTest, WrongAbiIsRefusedWithTheLoadersMessage) {
  std::string path =
      Runfile("plugins/testing/wrong_abi_major/libwrong_abi_major.so");
  Result r = Invoke({"--plugin", path, "--events", Burst()});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, absl::StrCat("riskflow plugin test: plugin ", path,
                                ": built for ABI 2.0, this host speaks ABI "
                                "1.3 (major versions must match)\n"));
}

TEST(PluginTestCommandTest, DetectorFailuresAreShownAndFailTheRun) {
  Result r =
      Invoke({"--plugin", Runfile("plugins/testing/faulty/libfaulty.so"),
              "--events", Burst(), "--params", "fail_every=2,annotate=true"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err,
            "riskflow plugin test: the detector failed on 2 of 5 events (see "
            "the \"error\" lines)\n");
  std::string block = EventBlock(r.out, "evt-2");
  EXPECT_THAT(block, HasSubstr("\n  annotation (discarded) FAULTY_SEEN "));
  EXPECT_THAT(block, HasSubstr("\n  call random_u64 -> "));
  EXPECT_THAT(block, HasSubstr("\n  error "));
  EXPECT_THAT(EventBlock(r.out, "evt-1"),
              HasSubstr("\n  annotation FAULTY_SEEN score=0.5 route=NOTIFY"));
  EXPECT_THAT(r.out, HasSubstr("\nsummary: 5 events, 3 annotated, 2 failed\n"
                               "  FAULTY_SEEN  3\n"));

  Result refused =
      Invoke({"--plugin", Runfile("plugins/testing/faulty/libfaulty.so"),
              "--events", Burst(), "--param", "declare_bad_state=true"});
  EXPECT_EQ(refused.code, kExitError);
  EXPECT_THAT(refused.err,
              StartsWith("riskflow plugin test: faulty refused to start: "));
  EXPECT_THAT(refused.err, HasSubstr("(host: declare_state 'bad_window': "));
}

TEST(PluginTestCommandTest, UsageErrors) {
  EXPECT_EQ(Invoke({"--events", Burst()}).err,
            "riskflow plugin test: needs --plugin FILE.so\n");
  EXPECT_EQ(Invoke({"--plugin", Velocity()}).err,
            "riskflow plugin test: needs --events FILE.jsonl\n");
  EXPECT_THAT(
      Invoke({"--plugin", Velocity(), "--events", Burst(), "--format", "yaml"})
          .err,
      HasSubstr("unknown --format \"yaml\""));
  EXPECT_THAT(
      Invoke({"--plugin", Velocity(), "--events", Burst(), "--params", "5"})
          .err,
      HasSubstr("\"5\" is not k=v"));
}

TEST(AddParamListTest, ItemsWithoutEqualsContinueTheValue) {
  std::map<std::string, std::string> params;
  ASSERT_TRUE(
      AddParamList("max_events=5,types=PAYOUT,PAYMENT, note = a b", &params)
          .ok());
  EXPECT_EQ(
      params,
      (std::map<std::string, std::string>{
          {"max_events", "5"}, {"types", "PAYOUT,PAYMENT"}, {"note", " a b"}}));
  EXPECT_TRUE(AddParam("expr=a=b", &params).ok());
  EXPECT_EQ(params["expr"], "a=b");
  EXPECT_TRUE(AddParamList("", &params).ok());
  EXPECT_EQ(AddParamList("=3", &params).message(),
            "parameter \"=3\" has no name (use k=v)");
  EXPECT_EQ(AddParam("types=X", &params).message(),
            "parameter 'types' is given twice");
}

}  // namespace
}  // namespace riskflow::cli
