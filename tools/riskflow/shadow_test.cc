// `riskflow shadow report` against the real daemon running a challenger
// pipeline in shadow mode, and against one without a shadow.
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/publish.h"
#include "tools/riskflow/shadow.h"
#include "tools/riskflow/test_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

Result Riskflow(std::vector<std::string> args) {
  Result r;
  std::ostringstream out, err;
  r.code = RunCli(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// The challenger lowers the large-payout threshold from 100,000 CNY to
// 50,000 CNY.
std::string Challenger() {
  return absl::StrReplaceAll(std::string(config::DefaultPipelineYaml()),
                             {{"CNY:10000000", "CNY:5000000"}});
}

std::string Payout(const std::string& id, const std::string& account,
                   int64_t amount_minor, int64_t offset_ms) {
  return absl::StrCat(
      "{\"event_id\":\"", id,
      "\",\"channel_id\":\"cli\",\"type\":\"PAYOUT\",\"event_time_ms\":",
      1700000000000 + offset_ms, ",\"account_id\":\"", account,
      "\",\"counterparty\":\"c-", id, "\",\"amount_minor\":", amount_minor,
      ",\"currency\":\"CNY\"}\n");
}

// Polls Admin.GetShadowReport until it compares through `through` (the
// shadow follows the durable log on its own and may trail).
absl::StatusOr<riskflow::v1::ShadowReport> WaitForShadow(
    testing::TestDaemon& d, uint64_t through) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (true) {
    grpc::ClientContext context;
    riskflow::v1::GetShadowReportRequest request;
    request.set_through_sequence(through);
    riskflow::v1::ShadowReport report;
    grpc::Status s = d.admin()->GetShadowReport(&context, request, &report);
    if (!s.ok()) return absl::InternalError(s.error_message());
    if (report.through_sequence() >= through) return report;
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          "shadow compared through ", report.through_sequence(),
          " (shadow decided through ", report.shadow_processed_sequence(),
          "), not ", through));
    }
    absl::SleepFor(absl::Milliseconds(5));  // poll interval, not a wait
  }
}

TEST(ShadowReportTest, ChallengerWithALowerThresholdChangesOneDecision) {
  testing::TestDaemonOptions options;
  options.shadow_pipeline_yaml = Challenger();
  auto daemon = testing::TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  testing::TestDaemon& d = **daemon;

  PublishOptions publish;
  publish.global.target = d.target();
  publish.file = testing::WriteTempFile(
      "payouts.jsonl", absl::StrCat(Payout("p1", "a1", 7000000, 0),    // changed
                                    Payout("p2", "a2", 12000000, 1),   // review
                                    Payout("p3", "a3", 100, 2),        // pass
                                    Payout("p4", "a4", 4999999, 3)));  // pass
  std::ostringstream pub_out, pub_err;
  ASSERT_EQ(RunPublish(publish, d.ingest(), pub_out, pub_err), kExitOk)
      << pub_err.str();
  ASSERT_TRUE(d.WaitProcessed().ok());
  auto expected = WaitForShadow(d, 4);
  ASSERT_TRUE(expected.ok()) << expected.status();

  Result r = Riskflow({"--target", d.target(), "shadow", "report"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string live = expected->live_version().substr(0, 12);
  const std::string shadow = expected->shadow_version().substr(0, 12);
  ASSERT_NE(live, shadow);
  EXPECT_THAT(r.out, StartsWith(absl::StrCat(
                         "live version    ", live, "  decided through 4\n",
                         "shadow version  ", shadow, "  decided through 4\n",
                         "sequences       1..4\n",
                         "compared        4\n",
                         "changed         1  (25.00%)\n")));
  // Routes and detectors side by side: live | shadow | delta.
  EXPECT_THAT(r.out, HasSubstr("ROUTE          LIVE  SHADOW  DELTA\n"
                               "MANUAL_REVIEW  1     2       +1\n"
                               "PASS           3     2       -1\n"));
  EXPECT_THAT(r.out, HasSubstr("DETECTOR      LIVE  SHADOW  DELTA\n"
                               "large_payout  1     2       +1\n"));

  // The changed decision, live then shadow.
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  auto header = std::find(lines.begin(), lines.end(), "changed decisions:");
  ASSERT_NE(header, lines.end()) << r.out;
  ASSERT_LT(header + 1, lines.end());
  const std::string& change = *(header + 1);
  EXPECT_THAT(change, StartsWith("1 cli/p1 account=a1 live=PASS [] "
                                 "shadow=MANUAL_REVIEW [large_payout:"));
  EXPECT_THAT(change, EndsWith("]"));
  EXPECT_EQ(header + 2, lines.end() - 1) << r.out;  // only the final "\n"

  // --max caps the list, not the counts; an explicit range.
  Result capped = Riskflow({"shadow", "report", "--target", d.target(), "--after",
                       "1", "--through", "4", "--max", "1"});
  ASSERT_EQ(capped.code, kExitOk) << capped.err;
  EXPECT_THAT(capped.out, HasSubstr("sequences       2..4\n"
                                    "compared        3\n"
                                    "changed         0  (0.00%)\n"));
  EXPECT_THAT(capped.out, HasSubstr("\nno changed decisions\n"));

  Result json = Riskflow({"shadow", "report", "--target", d.target(), "--format",
                     "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"changed\": \"1\""));
  EXPECT_THAT(json.out, HasSubstr("\"event_id\": \"p1\""));
}

TEST(ShadowReportTest, WithoutAShadowSaysHowToStartOne) {
  auto daemon = testing::TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  Result r = Riskflow({"shadow", "report", "--target", (*daemon)->target()});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "riskflow shadow report: no shadow pipeline runs; start riskflowd "
            "with --shadow_config\n");
}

TEST(ShadowReportTest, UsageErrors) {
  Result none = Riskflow({"shadow"});
  EXPECT_EQ(none.code, kExitError);
  EXPECT_EQ(none.err,
            "riskflow shadow: needs a subcommand: report (riskflow shadow "
            "report)\n");
  Result range = Riskflow({"shadow", "report", "--after", "9", "--through", "3"});
  EXPECT_EQ(range.code, kExitError);
  EXPECT_EQ(range.err,
            "riskflow shadow: --through 3 must be greater than --after 9\n");
}

}  // namespace
}  // namespace riskflow::cli
