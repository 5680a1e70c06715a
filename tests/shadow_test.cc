// Shadow mode on a real daemon: a challenger pipeline sees live traffic,
// decides it into its own store, never writes to a sink, and the report
// compares it with the live decisions.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

// The challenger lowers the large-payout threshold from 100,000 CNY to
// 50,000 CNY.
std::string Challenger() {
  return absl::StrReplaceAll(std::string(config::DefaultPipelineYaml()),
                             {{"CNY:10000000", "CNY:5000000"}});
}

absl::StatusOr<riskflow::v1::ShadowReport> WaitForReport(TestDaemon& d,
                                                         uint64_t through) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (true) {
    grpc::ClientContext ctx;
    riskflow::v1::GetShadowReportRequest request;
    request.set_through_sequence(through);
    riskflow::v1::ShadowReport report;
    grpc::Status s = d.admin()->GetShadowReport(&ctx, request, &report);
    if (!s.ok()) return absl::InternalError(s.error_message());
    if (report.through_sequence() >= through) return report;
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError("shadow did not catch up");
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

TEST(ShadowTest, ChallengerDecisionsAreComparedNeverSunk) {
  TestDaemonOptions options;
  options.shadow_pipeline_yaml = Challenger();
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;

  std::vector<riskflow::v1::Event> events = {
      Payout("p1", "a1", "c1", 7000000, "CNY", kT0),       // changed
      Payout("p2", "a2", "c2", 12000000, "CNY", kT0 + 1),  // both review
      Payout("p3", "a3", "c3", 100, "CNY", kT0 + 2),       // both pass
      Payout("p4", "a4", "c4", 4999999, "CNY", kT0 + 3),   // both pass
  };
  ASSERT_TRUE(d.PublishOne(1, events).ok());
  ASSERT_TRUE(d.WaitProcessed().ok());
  auto report = WaitForReport(d, 4);
  ASSERT_TRUE(report.ok()) << report.status();

  EXPECT_EQ(report->compared(), 4u);
  EXPECT_EQ(report->changed(), 1u);
  EXPECT_NE(report->live_version(), report->shadow_version());
  EXPECT_EQ(report->live_routes().at("MANUAL_REVIEW"), 1u);
  EXPECT_EQ(report->shadow_routes().at("MANUAL_REVIEW"), 2u);
  EXPECT_EQ(report->shadow_detectors().at("large_payout"), 2u);
  ASSERT_EQ(report->changes_size(), 1);
  EXPECT_EQ(report->changes(0).live().event_id(), "p1");
  EXPECT_EQ(report->changes(0).live().route(), riskflow::v1::PASS);
  EXPECT_EQ(report->changes(0).shadow().route(), riskflow::v1::MANUAL_REVIEW);

  // Only the live decision reached the sink.
  auto sink = d.ReadSink(riskflow::v1::MANUAL_REVIEW);
  ASSERT_TRUE(sink.ok());
  ASSERT_EQ(sink->size(), 1u);
  EXPECT_EQ((*sink)[0].event_id(), "p2");

  // After a restart the shadow resumes; the earlier comparison still holds
  // and new traffic is compared too.
  ASSERT_TRUE(d.Restart().ok());
  ASSERT_TRUE(d.PublishOne(2, {Payout("p5", "a5", "c5", 6000000, "CNY",
                                      kT0 + 4)})
                  .ok());
  ASSERT_TRUE(d.WaitProcessed().ok());
  report = WaitForReport(d, 5);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->compared(), 5u);
  EXPECT_EQ(report->changed(), 2u);
}

TEST(ShadowTest, WithoutShadowTheReportSaysHowToStartOne) {
  auto daemon = TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  grpc::ClientContext ctx;
  riskflow::v1::ShadowReport report;
  grpc::Status s = (*daemon)->admin()->GetShadowReport(&ctx, {}, &report);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("--shadow_config"), std::string::npos);
}

}  // namespace
}  // namespace riskflow::e2e
