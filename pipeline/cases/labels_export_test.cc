// The labels the case service exports are read by `riskflow report
// --labels` (pipeline/report/labels.h): confirmed fraud counts as a true
// positive, a released case as a false positive.
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/test_util.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/report/decision_reader.h"
#include "pipeline/report/labels.h"

namespace riskflow::cases {
namespace {

using ::riskflow::cases::testing::FlaggedDecision;
using ::riskflow::cases::testing::TempDbPath;

TEST(LabelsExportTest, ReportScoresCaseOutcomes) {
  absl::StatusOr<std::unique_ptr<CaseStore>> store =
      CaseStore::Open(TempDbPath("labels.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<riskflow::v1::Decision> decisions = {
      FlaggedDecision("fraud-1", "acct-f", riskflow::v1::MANUAL_REVIEW, 1, 5),
      FlaggedDecision("fraud-2", "acct-f", riskflow::v1::MANUAL_REVIEW, 2, 5),
      FlaggedDecision("ok-1", "acct-ok", riskflow::v1::MANUAL_REVIEW, 3, 5),
      FlaggedDecision("open-1", "acct-open", riskflow::v1::MANUAL_REVIEW, 4,
                      5)};
  ASSERT_TRUE(
      (*store)->IngestDecisions(riskflow::v1::MANUAL_REVIEW, decisions, 4).ok());
  auto decide = [&](const std::string& account, CaseState outcome) {
    Case c = (*(*store)->List({.account_id = account}))[0];
    Action a{c.id, c.version, "alice", kRoleReviewer, "", {}};
    c = *(*store)->Transition(a, CaseState::kInvestigating);
    a.expected_version = c.version;
    ASSERT_TRUE((*store)->Transition(a, outcome).ok());
  };
  decide("acct-f", CaseState::kConfirmedFraud);
  decide("acct-ok", CaseState::kReleased);

  const std::string labels = TempDbPath("labels.jsonl");
  absl::StatusOr<int64_t> lines = (*store)->ExportLabels(labels);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(*lines, 3);  // the open case has no outcome yet

  const std::string decisions_path = TempDbPath("decisions.jsonl");
  {
    std::ofstream out(decisions_path);
    for (const auto& d : decisions) {
      out << riskflow::replay::DecisionToJson(d) << "\n";
    }
  }
  absl::StatusOr<report::DecisionSet> set =
      report::LoadDecisions(decisions_path);
  ASSERT_TRUE(set.ok()) << set.status();
  absl::StatusOr<report::LabelMetrics> m = report::ScoreLabels(*set, labels);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->events, 3);
  EXPECT_EQ(m->fraud, 2);
  EXPECT_EQ(m->overall.true_positives, 2);
  EXPECT_EQ(m->overall.false_positives, 1);
  EXPECT_EQ(m->by_scenario.count("confirmed_fraud"), 1u);
}

}  // namespace
}  // namespace riskflow::cases
