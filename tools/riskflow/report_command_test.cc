// `riskflow report` and `riskflow diff` through the command dispatcher, on
// small decision files the tests write.
#include "tools/riskflow/report_command.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/report/test_files.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {
namespace {

using ::riskflow::report::testing::Annotation;
using ::riskflow::report::testing::DecisionLine;
using ::riskflow::report::testing::WriteTestFile;
using ::testing::HasSubstr;
using ::testing::Not;

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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class ReportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    champion_ = WriteTestFile(
        "cmd_champion.jsonl",
        DecisionLine("e1", "FREEZE",
                     Annotation("velocity", "VELOCITY", "FREEZE")) +
            DecisionLine("e2", "PASS") + DecisionLine("e3", "PASS"));
    challenger_ = WriteTestFile(
        "cmd_challenger.jsonl",
        DecisionLine("e1", "FREEZE",
                     Annotation("velocity", "VELOCITY", "FREEZE")) +
            DecisionLine("e2", "NOTIFY",
                         Annotation("large_amount", "LARGE", "NOTIFY")) +
            DecisionLine("e4", "PASS"));
    events_ = WriteTestFile(
        "cmd_events.jsonl",
        "{\"event_id\":\"e1\",\"channel_id\":\"wallet\",\"attributes\":"
        "{\"label\":\"velocity_burst\"}}\n"
        "{\"event_id\":\"e2\",\"channel_id\":\"wallet\",\"attributes\":"
        "{\"label\":\"large_amount\"}}\n"
        "{\"event_id\":\"e3\",\"channel_id\":\"wallet\"}\n");
    other_stream_ =
        WriteTestFile("cmd_other.jsonl", DecisionLine("x1", "PASS"));
  }

  std::string champion_;
  std::string challenger_;
  std::string events_;
  std::string other_stream_;
};

TEST_F(ReportCommandTest, HelpListsBothCommands) {
  Result r = Invoke({"help"});
  EXPECT_THAT(r.out, HasSubstr("riskflow report --decisions"));
  EXPECT_THAT(r.out, HasSubstr("riskflow diff CHAMPION CHALLENGER"));
}

TEST_F(ReportCommandTest, ReportPrintsSummaryAndWritesFiles) {
  const std::string html = WriteTestFile("cmd_report.html", "");
  const std::string json = WriteTestFile("cmd_summary.json", "");
  Result r =
      Invoke({"report", "--decisions", champion_, "--challenger", challenger_,
              "--events", events_, "--html", html, "--json=" + json});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("3 decisions (pipeline v1)"));
  EXPECT_THAT(r.out, HasSubstr("NOTIFY                      0            1"));
  EXPECT_THAT(r.out, HasSubstr("diff: 2 compared, 1 changed"));
  EXPECT_THAT(r.out, HasSubstr("labels (champion): precision 1.0000  recall "
                               "0.5000  F1 0.6667"));
  // One pass over the events scores both sides; e3 has no challenger
  // decision and e4 no event.
  EXPECT_THAT(r.out, HasSubstr("labels (challenger): precision 1.0000  "
                               "recall 1.0000  F1 1.0000  (tp 2, fp 0, fn 0; "
                               "2 fraud of 2 scored"));
  EXPECT_THAT(r.out, HasSubstr("wrote " + html));
  EXPECT_THAT(r.out, HasSubstr("wrote " + json));

  const std::string page = ReadAll(html);
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, Not(HasSubstr("http")));
  const std::string summary = ReadAll(json);
  EXPECT_THAT(summary, HasSubstr("\"changed\": 1"));
  EXPECT_THAT(summary, HasSubstr("\"decision_id\": \"wallet/e2\""));
}

TEST_F(ReportCommandTest, ReportOnOneFileNeedsNothingElse) {
  Result r = Invoke({"report", "--decisions", champion_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("FREEZE                      1"));
  EXPECT_THAT(r.out, Not(HasSubstr("diff:")));
  EXPECT_THAT(r.out, Not(HasSubstr("labels")));
}

TEST_F(ReportCommandTest, ReportErrors) {
  Result r = Invoke({"report"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("riskflow report: needs --decisions FILE"));

  r = Invoke({"report", "--decisions", "/nonexistent/a.jsonl"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err,
            "riskflow report: cannot open /nonexistent/a.jsonl: No such file "
            "or directory\n");

  r = Invoke(
      {"report", "--decisions", champion_, "--challenger", other_stream_});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("have no decision id in common"));

  // An events file where decisions belong is refused, not half-read.
  r = Invoke({"report", "--decisions", events_});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("cmd_events.jsonl:1: invalid decision"));

  r = Invoke({"report", "--decisions", champion_, "--events",
              "/nonexistent/events.jsonl"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("cannot open /nonexistent/events.jsonl"));

  r = Invoke({"report", "--decisions", champion_, "--html",
              "/nonexistent/dir/report.html"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("cannot write /nonexistent/dir/report.html"));

  r = Invoke({"report", "--decisions", champion_, "--input_format", "xml"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("unknown decision format \"xml\""));
}

TEST_F(ReportCommandTest, DiffPrintsChangedDecisions) {
  Result r = Invoke({"diff", champion_, challenger_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "wallet/e2  PASS -> NOTIFY\n"
            "  champion:   -\n"
            "  challenger: large_amount:LARGE->NOTIFY\n"
            "only in champion (1): wallet/e3\n"
            "only in challenger (1): wallet/e4\n"
            "diff: 2 compared, 1 changed (1 route, 0 reasons only), 1 only "
            "in champion, 1 only in challenger\n");
}

TEST_F(ReportCommandTest, DiffMaxZeroPrintsCountsOnly) {
  Result r = Invoke({"diff", "--max", "0", champion_, challenger_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("... 1 more changed decisions (--max)"));
  EXPECT_THAT(r.out, Not(HasSubstr("champion:")));
}

TEST_F(ReportCommandTest, DiffErrors) {
  Result r = Invoke({"diff", champion_});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("needs two decision files"));
  EXPECT_THAT(r.err, HasSubstr("riskflow diff CHAMPION CHALLENGER"));

  r = Invoke({"diff", champion_, "/nonexistent/b.jsonl"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("cannot open /nonexistent/b.jsonl"));

  r = Invoke({"diff", champion_, other_stream_});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_THAT(r.err, HasSubstr("are not replays of the same stream"));

  r = Invoke({"diff", "--max", "-1", champion_, challenger_});
  EXPECT_EQ(r.code, kExitError);
}

}  // namespace
}  // namespace riskflow::cli
