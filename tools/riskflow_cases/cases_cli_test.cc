// The operators' commands of riskflow-cases on a real case database.
#include "tools/riskflow_cases/cases_cli.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/test_util.h"

namespace riskflow::cases {
namespace {

using ::riskflow::cases::testing::FlaggedDecision;
using ::riskflow::cases::testing::TempDbPath;
using ::testing::HasSubstr;

struct Result {
  int code;
  std::string out, err;
};

class CasesCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = TempDbPath("cli.db");
    absl::StatusOr<std::unique_ptr<CaseStore>> store = CaseStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->IngestDecisions(
                        riskflow::v1::FREEZE,
                        {FlaggedDecision("e1", "acct-1", riskflow::v1::FREEZE,
                                         1, 9'000'000)},
                        1)
                    .ok());
  }

  Result Run(std::vector<std::string> args) {
    args.push_back("--db=" + db_);
    std::ostringstream out, err;
    int code = RunCasesCli(args, out, err, nullptr);
    return {code, out.str(), err.str()};
  }

  std::string db_;
};

TEST_F(CasesCliTest, DrivesACaseThroughTheWorkflow) {
  Result r = Run({"list"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1\tacct-1\tOPEN\tv1\tFREEZE"));
  r = Run({"show", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("next states: INVESTIGATING"));
  EXPECT_THAT(r.out, HasSubstr("release needs two reviewers: a FREEZE of "
                               "9000000"));
  EXPECT_THAT(r.out, HasSubstr("evidence sha256 "));
  EXPECT_THAT(r.out, HasSubstr("velocity_extreme VELOCITY -> FREEZE"));
  r = Run({"transition", "1", "INVESTIGATING", "--version=1", "--actor=alice",
           "--role=reviewer", "--note=looking", "--attach=ticket://9"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("INVESTIGATING\tv2"));
  // Stale: version 1 again.
  r = Run({"note", "1", "--version=1", "--actor=bob", "--role=reviewer",
           "--note=late"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("stale version 1"));
  EXPECT_THAT(r.err, HasSubstr("[ABORTED]"));
  r = Run({"transition", "1", "RELEASED", "--version=2", "--actor=alice",
           "--role=reviewer"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("needs a second reviewer"));
  r = Run({"request-release", "1", "--version=2", "--actor=alice",
           "--role=reviewer"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Run({"approve-release", "1", "--version=3", "--actor=alice",
           "--role=senior_reviewer"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot also approve it"));
  r = Run({"approve-release", "1", "--version=3", "--actor=carol",
           "--role=senior_reviewer"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("RELEASED\tv4"));
  r = Run({"find", "ch/e1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("state RELEASED"));

  const std::string json = TempDbPath("case1.json");
  const std::string html = TempDbPath("case1.html");
  r = Run({"export", "1", "--actor=alice", "--out=" + json, "--html=" + html});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sha256 "));
  std::ifstream in(html);
  std::stringstream page;
  page << in.rdbuf();
  EXPECT_THAT(page.str(), HasSubstr(r.out.substr(7, 64)));

  r = Run({"notifications", "--consumer=sms", "--commit"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("case_opened"));
  EXPECT_THAT(r.out, HasSubstr("account_held"));
  EXPECT_THAT(r.out, HasSubstr("released"));
  r = Run({"notifications", "--consumer=sms"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // the cursor is past all three

  const std::string labels = TempDbPath("labels.jsonl");
  r = Run({"labels", "--out=" + labels});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 labelled events"));
  r = Run({"audit-verify"});
  ASSERT_EQ(r.code, 0) << r.err;
  // open, transition, request, approve, export: refusals leave no entry.
  EXPECT_THAT(r.out, HasSubstr("audit chain OK: 5 entries"));
}

TEST_F(CasesCliTest, BadInputIsNamed) {
  Result r = Run({"show", "abc"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("case id: \"abc\" is not a positive number"));
  r = Run({"show", "77"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("case 77: no such case"));
  r = Run({"transition", "1", "CLOSED", "--version=1", "--actor=a",
           "--role=reviewer"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("state: unknown \"CLOSED\""));
  r = Run({"transition", "1", "INVESTIGATING", "--actor=a", "--role=reviewer"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--version: required"));
  r = Run({"list", "--sla=OPEN=soon"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--sla: \"OPEN=soon\""));
  r = Run({"frobnicate"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown command \"frobnicate\""));
}

}  // namespace
}  // namespace riskflow::cases
