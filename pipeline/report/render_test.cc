#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/report/decision_reader.h"
#include "pipeline/report/report.h"
#include "pipeline/report/svg_chart.h"
#include "pipeline/report/test_files.h"

namespace riskflow::report {
namespace {

using ::riskflow::report::testing::Annotation;
using ::riskflow::report::testing::DecisionLine;
using ::riskflow::report::testing::WriteTestFile;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr int64_t kMinute = 60 * 1000;

DecisionSet Load(const std::string& name, const std::string& content) {
  absl::StatusOr<DecisionSet> set = LoadDecisions(WriteTestFile(name, content));
  EXPECT_TRUE(set.ok()) << set.status();
  return std::move(set).value();
}

class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    champion_ = Load(
        "r_champion.jsonl",
        DecisionLine("e1", "FREEZE",
                     Annotation("velocity", "VELOCITY", "FREEZE"), "v1", 1,
                     kT0) +
            DecisionLine("e2", "PASS", "", "v1", 2, kT0 + 5 * kMinute) +
            DecisionLine("e3", "NOTIFY", Annotation("<b>evil", "X&Y", "NOTIFY"),
                         "v1", 3, kT0 + 20 * kMinute));
    challenger_ = Load(
        "r_challenger.jsonl",
        DecisionLine("e1", "FREEZE",
                     Annotation("velocity", "VELOCITY", "FREEZE"), "v2", 1,
                     kT0) +
            DecisionLine("e2", "MANUAL_REVIEW",
                         Annotation("velocity", "VELOCITY_V2", "MANUAL_REVIEW"),
                         "v2", 2, kT0 + 5 * kMinute) +
            DecisionLine("e4", "PASS", "", "v2", 4, kT0 + 30 * kMinute));
    std::string events = WriteTestFile(
        "r_events.jsonl",
        "{\"event_id\":\"e1\",\"channel_id\":\"wallet\",\"attributes\":"
        "{\"label\":\"velocity_burst\"}}\n"
        "{\"event_id\":\"e2\",\"channel_id\":\"wallet\",\"attributes\":"
        "{\"label\":\"velocity_burst\"}}\n"
        "{\"event_id\":\"e3\",\"channel_id\":\"wallet\"}\n");
    diff_ = Diff(champion_, challenger_);
    champion_labels_ = ScoreLabels(champion_, events).value();
    challenger_labels_ = ScoreLabels(challenger_, events).value();
    input_ = MakeReportInput(champion_, &champion_labels_, &challenger_,
                             &challenger_labels_, &diff_, 200);
  }

  DecisionSet champion_;
  DecisionSet challenger_;
  DiffResult diff_;
  LabelMetrics champion_labels_;
  LabelMetrics challenger_labels_;
  ReportInput input_;
};

TEST_F(RenderTest, HtmlIsSelfContained) {
  const std::string html = RenderHtml(input_);
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<script src")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, HasSubstr("<style>"));
}

TEST_F(RenderTest, HtmlHasChartsAndTables) {
  const std::string html = RenderHtml(input_);
  // Time series (two line charts) and the detector bar chart.
  EXPECT_THAT(html, HasSubstr("Flagged decisions per bin, by route"));
  EXPECT_THAT(html, HasSubstr("All decisions per bin"));
  EXPECT_THAT(html, HasSubstr("<polyline"));
  EXPECT_THAT(html, HasSubstr("Decisions flagged (annotated with a non-PASS"));
  EXPECT_THAT(html, HasSubstr("<rect"));
  EXPECT_THAT(html, HasSubstr("bins of 1 min"));
  // The diff: counts and the changed decision with both sides' reasons.
  EXPECT_THAT(html, HasSubstr("<h2 id=\"diff\">Champion vs challenger</h2>"));
  EXPECT_THAT(html, HasSubstr("<td>wallet/e2</td>"));
  EXPECT_THAT(html,
              HasSubstr("<td>velocity:VELOCITY_V2-&gt;MANUAL_REVIEW</td>"));
  EXPECT_THAT(html, HasSubstr("Only in challenger (1)"));
  EXPECT_THAT(html, HasSubstr("<td>wallet/e4</td>"));
  // Label metrics for both sides.
  EXPECT_THAT(html, HasSubstr("<h2 id=\"labels\">Against labels</h2>"));
  EXPECT_THAT(html,
              HasSubstr("champion: missed (labelled fraud, routed PASS)"));
  EXPECT_THAT(html, HasSubstr("<td>velocity_burst</td>"));
}

TEST_F(RenderTest, HtmlEscapesData) {
  const std::string html = RenderHtml(input_);
  EXPECT_THAT(html, Not(HasSubstr("<b>evil")));
  EXPECT_THAT(html, HasSubstr("&lt;b&gt;evil"));
  EXPECT_THAT(html, HasSubstr("X&amp;Y"));
}

TEST_F(RenderTest, JsonSummaryIsStable) {
  const std::string json = RenderJsonSummary(input_);
  EXPECT_EQ(json, RenderJsonSummary(input_));
  // Fixed top-level order, whatever the data.
  const size_t champion = json.find("\n  \"champion\": {");
  const size_t challenger = json.find("\n  \"challenger\": {");
  const size_t diff = json.find("\n  \"diff\": {");
  const size_t max_listed = json.find("\n  \"max_listed\": 200");
  ASSERT_NE(champion, std::string::npos);
  ASSERT_NE(challenger, std::string::npos);
  ASSERT_NE(diff, std::string::npos);
  ASSERT_NE(max_listed, std::string::npos);
  EXPECT_LT(champion, challenger);
  EXPECT_LT(challenger, diff);
  EXPECT_LT(diff, max_listed);
  EXPECT_THAT(json, HasSubstr("\"changed\": 1"));
  EXPECT_THAT(json, HasSubstr("\"from\": \"PASS\",\n"
                              "        \"to\": \"MANUAL_REVIEW\""));
  EXPECT_THAT(json, HasSubstr("\"only_in_challenger_ids\": [\n"
                              "      \"wallet/e4\"\n    ]"));
}

TEST(RenderJsonTest, ExactSummaryForOneSide) {
  DecisionSet set =
      Load("one.jsonl",
           DecisionLine("e1", "FREEZE", Annotation("velocity", "V", "FREEZE"),
                        "v1", 1, kT0));
  ReportInput input =
      MakeReportInput(set, nullptr, nullptr, nullptr, nullptr, 5);
  std::string expected = R"({
  "champion": {
    "source": ")" + set.source() +
                         R"(",
    "pipeline_versions": [
      "v1"
    ],
    "decisions": 1,
    "duplicates": 0,
    "late": 0,
    "degraded": 0,
    "suppressed": 0,
    "without_event_time": 0,
    "first_event_time": "2026-01-01T00:00:00.000Z",
    "last_event_time": "2026-01-01T00:00:00.000Z",
    "by_route": {
      "FREEZE": 1,
      "MANUAL_REVIEW": 0,
      "NOTIFY": 0,
      "PASS": 0
    },
    "by_sink": {
      "FREEZE": 1,
      "MANUAL_REVIEW": 0,
      "NOTIFY": 0,
      "PASS": 0
    },
    "by_detector": {
      "velocity": {
        "annotated": 1,
        "flagged": 1
      }
    },
    "labels": null
  },
  "challenger": null,
  "diff": null,
  "max_listed": 5
}
)";
  EXPECT_EQ(RenderJsonSummary(input), expected);
}

TEST_F(RenderTest, TerminalSummary) {
  const std::string text = RenderTerminalSummary(input_);
  EXPECT_THAT(text, HasSubstr("champion   "));
  EXPECT_THAT(text, HasSubstr("3 decisions (pipeline v1)"));
  EXPECT_THAT(text, HasSubstr("3 decisions (pipeline v2)"));
  EXPECT_THAT(text,
              HasSubstr("MANUAL_REVIEW               0            1       +1"));
  EXPECT_THAT(text,
              HasSubstr("velocity                            1            2"));
  EXPECT_THAT(
      text, HasSubstr("diff: 2 compared, 1 changed (1 route, 0 reasons only), "
                      "1 only in champion, 1 only in challenger"));
  EXPECT_THAT(text, HasSubstr("PASS -> MANUAL_REVIEW: 1"));
  // Champion: e1 caught, e2 missed, e3 flagged but benign.
  EXPECT_THAT(text, HasSubstr("labels (champion): precision 0.5000  recall "
                              "0.5000  F1 0.5000"));
  EXPECT_THAT(text, HasSubstr("labels (challenger): precision 1.0000  recall "
                              "1.0000  F1 1.0000"));
}

TEST(SvgChartTest, NiceCeiling) {
  EXPECT_EQ(NiceCeiling(0), 1);
  EXPECT_EQ(NiceCeiling(7), 10);
  EXPECT_EQ(NiceCeiling(11), 20);
  EXPECT_EQ(NiceCeiling(450), 500);
  EXPECT_EQ(NiceCeiling(1000), 1000);
}

TEST(TimeAxisTest, RoundBinWidths) {
  TimeAxis axis = ChooseTimeAxis(kT0 + 1234, kT0 + 30 * kMinute, 60);
  EXPECT_EQ(axis.bin_ms, kMinute);
  EXPECT_EQ(axis.start_ms, kT0);
  EXPECT_EQ(axis.bins, 31);
  axis = ChooseTimeAxis(kT0, kT0 + 24 * 60 * kMinute, 60);
  EXPECT_EQ(axis.bin_ms, 30 * kMinute);
  EXPECT_EQ(axis.bins, 49);
}

}  // namespace
}  // namespace riskflow::report
