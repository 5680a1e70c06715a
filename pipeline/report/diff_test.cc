#include "pipeline/report/diff.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/report/decision_reader.h"
#include "pipeline/report/test_files.h"

namespace riskflow::report {
namespace {

using ::riskflow::report::testing::Annotation;
using ::riskflow::report::testing::DecisionLine;
using ::riskflow::report::testing::WriteTestFile;

DecisionSet Load(const std::string& name, const std::string& content) {
  absl::StatusOr<DecisionSet> set = LoadDecisions(WriteTestFile(name, content));
  EXPECT_TRUE(set.ok()) << set.status();
  return std::move(set).value();
}

class DiffTest : public ::testing::Test {
 protected:
  // e1 unchanged, e2 PASS -> FREEZE, e3 same route with a different reason,
  // e4 the same reasons interned in a different order, e5 only in the
  // champion, e6 only in the challenger.
  void SetUp() override {
    champion_ = Load(
        "champion.jsonl",
        DecisionLine("e1", "FREEZE",
                     Annotation("velocity", "VELOCITY", "FREEZE"), "v1", 1) +
            DecisionLine("e2", "PASS", "", "v1", 2) +
            DecisionLine("e3", "NOTIFY",
                         Annotation("large_amount", "LARGE", "NOTIFY"), "v1",
                         3) +
            DecisionLine("e4", "NOTIFY",
                         Annotation("large_amount", "LARGE", "NOTIFY") + "," +
                             Annotation("velocity", "VELOCITY", "PASS"),
                         "v1", 4) +
            DecisionLine("e5", "PASS", "", "v1", 5));
    challenger_ =
        Load("challenger.jsonl",
             DecisionLine("e6", "PASS", "", "v2", 6) +
                 DecisionLine("e4", "NOTIFY",
                              Annotation("velocity", "VELOCITY", "PASS") + "," +
                                  Annotation("large_amount", "LARGE", "NOTIFY"),
                              "v2", 4) +
                 DecisionLine("e1", "FREEZE",
                              Annotation("velocity", "VELOCITY", "FREEZE"),
                              "v2", 1) +
                 DecisionLine("e2", "FREEZE",
                              Annotation("velocity", "VELOCITY_V2", "FREEZE"),
                              "v2", 2) +
                 DecisionLine("e3", "NOTIFY",
                              Annotation("large_amount", "LARGE_FX", "NOTIFY"),
                              "v2", 3));
  }

  DecisionSet champion_;
  DecisionSet challenger_;
};

TEST_F(DiffTest, FindsChangedRoutesReasonsAndMissingEvents) {
  DiffResult d = Diff(champion_, challenger_);
  EXPECT_EQ(d.compared, 4);
  EXPECT_EQ(d.changed(), 2);
  EXPECT_EQ(d.route_changed, 1);
  EXPECT_EQ(d.reasons_only_changed, 1);
  ASSERT_EQ(d.changes.size(), 2u);

  // In champion (stream) order: e2 then e3.
  const ChangedDecision& e2 = d.changes[0];
  EXPECT_EQ(champion_.id(e2.champion), "wallet/e2");
  EXPECT_EQ(challenger_.id(e2.challenger), "wallet/e2");
  EXPECT_TRUE(e2.route_changed);
  EXPECT_TRUE(e2.reasons_changed);
  EXPECT_EQ(ReasonList(champion_, e2.champion), "-");
  EXPECT_EQ(ReasonList(challenger_, e2.challenger),
            "velocity:VELOCITY_V2->FREEZE");

  const ChangedDecision& e3 = d.changes[1];
  EXPECT_EQ(champion_.id(e3.champion), "wallet/e3");
  EXPECT_FALSE(e3.route_changed);
  EXPECT_TRUE(e3.reasons_changed);
  EXPECT_EQ(ReasonList(champion_, e3.champion), "large_amount:LARGE->NOTIFY");
  EXPECT_EQ(ReasonList(challenger_, e3.challenger),
            "large_amount:LARGE_FX->NOTIFY");

  ASSERT_EQ(d.only_in_champion.size(), 1u);
  EXPECT_EQ(champion_.id(d.only_in_champion[0]), "wallet/e5");
  ASSERT_EQ(d.only_in_challenger.size(), 1u);
  EXPECT_EQ(challenger_.id(d.only_in_challenger[0]), "wallet/e6");

  using Transition = std::pair<RouteId, RouteId>;
  std::map<Transition, int64_t> expected = {
      {{riskflow::v1::PASS, riskflow::v1::FREEZE}, 1}};
  EXPECT_EQ(d.transitions, expected);
  EXPECT_FALSE(d.Disjoint());
}

TEST_F(DiffTest, CountsPerRouteAndDetectorForEachSide) {
  DiffResult d = Diff(champion_, challenger_);
  EXPECT_EQ(d.champion_stats.total, 5);
  EXPECT_EQ(d.champion_stats.by_route[riskflow::v1::PASS], 2);
  EXPECT_EQ(d.champion_stats.by_route[riskflow::v1::NOTIFY], 2);
  EXPECT_EQ(d.champion_stats.by_route[riskflow::v1::FREEZE], 1);
  EXPECT_EQ(d.challenger_stats.by_route[riskflow::v1::FREEZE], 2);
  // velocity annotated e1 and e4 on the champion but flagged only e1.
  EXPECT_EQ(d.champion_stats.by_detector.at("velocity").annotated, 2);
  EXPECT_EQ(d.champion_stats.by_detector.at("velocity").flagged, 1);
  EXPECT_EQ(d.challenger_stats.by_detector.at("velocity").flagged, 2);
  EXPECT_EQ(d.challenger_stats.by_detector.at("large_amount").flagged, 2);
}

TEST_F(DiffTest, IdenticalSetsHaveNoChanges) {
  DiffResult d = Diff(champion_, champion_);
  EXPECT_EQ(d.compared, 5);
  EXPECT_EQ(d.changed(), 0);
  EXPECT_TRUE(d.only_in_champion.empty());
  EXPECT_TRUE(d.only_in_challenger.empty());
}

TEST(DiffDisjointTest, DifferentStreamsAreDisjoint) {
  DecisionSet a = Load("s1.jsonl", DecisionLine("a1", "PASS"));
  DecisionSet b = Load("s2.jsonl", DecisionLine("b1", "PASS"));
  DiffResult d = Diff(a, b);
  EXPECT_TRUE(d.Disjoint());
  EXPECT_EQ(d.only_in_champion.size(), 1u);
  EXPECT_EQ(d.only_in_challenger.size(), 1u);
}

}  // namespace
}  // namespace riskflow::report
