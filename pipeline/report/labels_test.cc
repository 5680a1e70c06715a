#include "pipeline/report/labels.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/report/decision_reader.h"
#include "pipeline/report/diff.h"
#include "pipeline/report/test_files.h"

namespace riskflow::report {
namespace {

using ::riskflow::report::testing::Annotation;
using ::riskflow::report::testing::DecisionLine;
using ::riskflow::report::testing::WriteTestFile;
using ::testing::DoubleNear;
using ::testing::HasSubstr;

std::string Event(const std::string& id, const std::string& label) {
  std::string attributes =
      label.empty() ? "" : ",\"attributes\":{\"label\":\"" + label + "\"}";
  return "{\"event_id\":\"" + id +
         "\",\"channel_id\":\"wallet\",\"type\":\"PAYOUT\","
         "\"event_time_ms\":1767225600000,\"account_id\":\"acct-1\"" +
         attributes + "}\n";
}

// Fraud: e1, e2 (velocity_burst), e3 (large_amount), e7 (no decision).
// Flagged: e1 FREEZE by velocity, e3 MANUAL_REVIEW by large_amount (velocity
// annotated it with PASS, which is no flag), e4 NOTIFY by velocity (benign).
class ScoreLabelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<DecisionSet> set = LoadDecisions(WriteTestFile(
        "labelled.jsonl",
        DecisionLine("e1", "FREEZE",
                     Annotation("velocity", "VELOCITY", "FREEZE")) +
            DecisionLine("e2", "PASS") +
            DecisionLine("e3", "MANUAL_REVIEW",
                         Annotation("large_amount", "LARGE", "MANUAL_REVIEW") +
                             "," + Annotation("velocity", "VELOCITY", "PASS")) +
            DecisionLine("e4", "NOTIFY",
                         Annotation("velocity", "VELOCITY", "NOTIFY")) +
            DecisionLine("e5", "PASS") + DecisionLine("e6", "PASS") +
            DecisionLine("e8", "PASS")));
    ASSERT_TRUE(set.ok()) << set.status();
    decisions_ = std::move(set).value();
    events_path_ = WriteTestFile(
        "events.jsonl",
        "# labelled sample\n" + Event("e1", "velocity_burst") +
            Event("e2", "velocity_burst") + Event("e3", "large_amount") +
            Event("e4", "0") + Event("e5", "") + Event("e6", "benign") +
            Event("e7", "velocity_burst") + Event("e1", "velocity_burst"));
  }

  DecisionSet decisions_;
  std::string events_path_;
};

void ExpectConfusion(const Confusion& c, int64_t tp, int64_t fp, int64_t fn,
                     double precision, double recall, double f1) {
  EXPECT_EQ(c.true_positives, tp);
  EXPECT_EQ(c.false_positives, fp);
  EXPECT_EQ(c.false_negatives, fn);
  EXPECT_THAT(c.precision(), DoubleNear(precision, 1e-9));
  EXPECT_THAT(c.recall(), DoubleNear(recall, 1e-9));
  EXPECT_THAT(c.f1(), DoubleNear(f1, 1e-9));
}

TEST_F(ScoreLabelsTest, ExactPrecisionRecallF1) {
  absl::StatusOr<LabelMetrics> m = ScoreLabels(decisions_, events_path_);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->events, 7);  // the repeated e1 counts once
  EXPECT_EQ(m->scored, 6);
  EXPECT_EQ(m->fraud, 3);
  EXPECT_EQ(m->events_without_decision, 1);
  EXPECT_EQ(m->fraud_without_decision, 1);
  EXPECT_EQ(m->decisions_without_event, 1);  // e8

  ExpectConfusion(m->overall, 2, 1, 1, 2.0 / 3, 2.0 / 3, 2.0 / 3);
  ExpectConfusion(m->by_detector.at("velocity"), 1, 1, 2, 0.5, 1.0 / 3, 0.4);
  ExpectConfusion(m->by_detector.at("large_amount"), 1, 0, 2, 1.0, 1.0 / 3,
                  0.5);
  ExpectConfusion(m->by_route.at(riskflow::v1::FREEZE), 1, 0, 2, 1.0, 1.0 / 3,
                  0.5);
  ExpectConfusion(m->by_route.at(riskflow::v1::MANUAL_REVIEW), 1, 0, 2, 1.0,
                  1.0 / 3, 0.5);
  // Nothing it flagged was fraud: precision, recall and F1 are all 0.
  ExpectConfusion(m->by_route.at(riskflow::v1::NOTIFY), 0, 1, 3, 0, 0, 0);

  EXPECT_EQ(m->by_scenario.at("velocity_burst").fraud, 2);
  EXPECT_EQ(m->by_scenario.at("velocity_burst").caught, 1);
  EXPECT_EQ(m->by_scenario.at("large_amount").caught, 1);

  ASSERT_EQ(m->missed.size(), 1u);
  EXPECT_EQ(decisions_.id(m->missed[0].index), "wallet/e2");
  EXPECT_EQ(m->missed[0].label, "velocity_burst");
  ASSERT_EQ(m->wrong.size(), 1u);
  EXPECT_EQ(decisions_.id(m->wrong[0].index), "wallet/e4");
  EXPECT_EQ(m->missed_total, 1);
  EXPECT_EQ(m->wrong_total, 1);
}

TEST_F(ScoreLabelsTest, ListsAreCappedButTotalsAreNot) {
  absl::StatusOr<LabelMetrics> m =
      ScoreLabels(decisions_, events_path_, /*max_listed=*/0);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->missed.empty());
  EXPECT_TRUE(m->wrong.empty());
  EXPECT_EQ(m->missed_total, 1);
  EXPECT_EQ(m->wrong_total, 1);
}

TEST(IsFraudLabelTest, BenignSpellings) {
  for (const char* label : {"", "0", "false", "FALSE", "benign", "none", " "}) {
    EXPECT_FALSE(IsFraudLabel(label)) << label;
  }
  for (const char* label : {"1", "true", "velocity_burst", "resend"}) {
    EXPECT_TRUE(IsFraudLabel(label)) << label;
  }
}

TEST(ScoreLabelsErrorsTest, MalformedEventNamesLine) {
  DecisionSet empty;
  std::string path = WriteTestFile(
      "bad_events.jsonl", Event("e1", "x") + "{\"ammount_minor\": 5}\n");
  absl::StatusOr<LabelMetrics> m = ScoreLabels(empty, path);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("bad_events.jsonl:2"));
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("ammount_minor"));
  EXPECT_EQ(ScoreLabels(empty, "/nonexistent/events.jsonl").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace riskflow::report
