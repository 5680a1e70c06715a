// Hot reload through Admin.ReloadPipeline on a real daemon: every event is
// decided exactly once across version switches under continuous load, each
// decision names the version that made it, state carries over, and a bad
// version is refused while the running one stays.
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
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

using riskflow::v1::ReloadPipelineRequest;
using riskflow::v1::ReloadPipelineResponse;

std::string DefaultYaml() { return std::string(config::DefaultPipelineYaml()); }

// The default pipeline with velocity_burst's limit changed.
std::string WithBurstLimit(int max_events) {
  return absl::StrReplaceAll(
      DefaultYaml(),
      {{"      max_events: 5\n", absl::StrCat("      max_events: ",
                                               max_events, "\n")}});
}

grpc::Status Reload(TestDaemon& daemon, const std::string& yaml,
                    ReloadPipelineResponse* response, bool dry_run = false) {
  grpc::ClientContext ctx;
  ReloadPipelineRequest request;
  request.set_yaml(yaml);
  request.set_source("reload_test");
  request.set_dry_run(dry_run);
  return daemon.admin()->ReloadPipeline(&ctx, request, response);
}

TEST(ReloadTest, EveryEventDecidedOnceAcrossReloadsUnderLoad) {
  auto daemon = TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;

  constexpr int kEvents = 40000;
  std::vector<riskflow::v1::Event> events;
  for (int i = 0; i < kEvents; ++i) {
    events.push_back(Payment(absl::StrCat("load-", i),
                             absl::StrCat("acct-", i % 97), "merchant", 100,
                             "CNY", kT0 + i * 50));
  }
  std::vector<riskflow::v1::PublishAck> acks;
  grpc::Status publish_status;
  std::thread publisher([&] {
    publish_status = d.Publish(Batches(events, 50), &acks);
  });

  // Three switches while the stream runs (5 -> 6 -> 7 -> 5), each once the
  // log has passed another quarter of the stream.
  std::vector<std::pair<uint64_t, std::string>> switches;  // after, version
  int quarter = 0;
  for (int limit : {6, 7, 5}) {
    ++quarter;
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (absl::Now() < give_up) {
      auto health = d.Health();
      ASSERT_TRUE(health.ok());
      if (health->durable_sequence() >=
          static_cast<uint64_t>(kEvents / 4 * quarter)) {
        break;
      }
      absl::SleepFor(absl::Microseconds(200));
    }
    ReloadPipelineResponse response;
    grpc::Status s = Reload(d, WithBurstLimit(limit), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(response.unchanged());
    switches.emplace_back(response.effective_after_sequence(),
                          response.pipeline().version_hash());
    std::printf("switched after sequence %llu\n",
                static_cast<unsigned long long>(
                    response.effective_after_sequence()));
  }
  publisher.join();
  ASSERT_TRUE(publish_status.ok()) << publish_status.error_message();
  ASSERT_TRUE(d.WaitProcessed().ok());

  uint64_t accepted = 0;
  for (const auto& ack : acks) accepted += ack.accepted();
  EXPECT_EQ(accepted, static_cast<uint64_t>(kEvents));
  auto health = d.Health();
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->durable_sequence(), static_cast<uint64_t>(kEvents));
  // Each logged event was decided exactly once: never skipped at a switch,
  // never decided by two versions.
  EXPECT_EQ(health->events_processed(), static_cast<uint64_t>(kEvents));
  int mid_stream = 0;
  for (size_t i = 0; i < switches.size(); ++i) {
    // Each switch comes after some events; on a fast machine the stream may
    // end before the last one, but at least one lands mid-stream.
    EXPECT_GT(switches[i].first, 0u);
    EXPECT_LE(switches[i].first, static_cast<uint64_t>(kEvents));
    if (switches[i].first < static_cast<uint64_t>(kEvents)) ++mid_stream;
    if (i > 0) {
      EXPECT_LE(switches[i - 1].first, switches[i].first);
    }
  }
  EXPECT_GE(mid_stream, 1);

  // Sampled events name exactly the version in force at their sequence.
  auto pipeline = d.Pipeline();
  ASSERT_TRUE(pipeline.ok());
  EXPECT_EQ(pipeline->version_hash(), switches.back().second);
  EXPECT_EQ(pipeline->source(), "reload_test");
  std::string initial_version;
  for (int i = 0; i < kEvents; i += 97) {
    riskflow::v1::EvaluateResponse response;
    ASSERT_TRUE(d.Evaluate(events[i], &response).ok());
    ASSERT_TRUE(response.duplicate());
    const uint64_t seq = response.decision().sequence();
    std::string expected;
    for (const auto& [after, version] : switches) {
      if (seq > after) expected = version;
    }
    if (expected.empty()) {
      if (initial_version.empty()) {
        initial_version = response.decision().pipeline_version();
      }
      expected = initial_version;
    }
    EXPECT_EQ(response.decision().pipeline_version(), expected)
        << "sequence " << seq;
  }
}

TEST(ReloadTest, StateCarriesOverAndTheNewLimitApplies) {
  auto daemon = TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;
  std::vector<riskflow::v1::Event> first;
  for (int i = 0; i < 4; ++i) {
    first.push_back(Payment(absl::StrCat("p", i), "acct-1", "m", 100, "CNY",
                            kT0 + i * kSecond));
  }
  ASSERT_TRUE(d.PublishOne(1, first).ok());
  ReloadPipelineResponse response;
  ASSERT_TRUE(Reload(d, WithBurstLimit(3), &response).ok());
  // The fifth payment in the minute: 5 > 3 only if the four counted before
  // the switch are still in the window state.
  riskflow::v1::EvaluateResponse fifth;
  ASSERT_TRUE(d.Evaluate(Payment("p4", "acct-1", "m", 100, "CNY",
                                 kT0 + 4 * kSecond),
                         &fifth)
                  .ok());
  EXPECT_EQ(fifth.decision().route(), riskflow::v1::NOTIFY);
  EXPECT_EQ(fifth.decision().pipeline_version(),
            response.pipeline().version_hash());
  ASSERT_EQ(fifth.decision().annotations_size(), 1);
  bool found_count = false;
  for (const auto& e : fifth.decision().annotations(0).evidence()) {
    if (e.key() == "count") {
      EXPECT_EQ(e.value(), "5");
      found_count = true;
    }
  }
  EXPECT_TRUE(found_count);
}

TEST(ReloadTest, RefusedVersionsLeaveTheRunningOne) {
  auto daemon = TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;
  auto before = d.Pipeline();
  ASSERT_TRUE(before.ok());

  ReloadPipelineResponse response;
  grpc::Status s = Reload(
      d, absl::StrReplaceAll(DefaultYaml(), {{"route: FREEZE", "route: FREZE"}}),
      &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("unknown route 'FREZE'"), std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("the running version stays"),
            std::string::npos);

  s = Reload(d, WithBurstLimit(0), &response);  // below the declared range
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error_message().find("max_events"), std::string::npos)
      << s.error_message();

  s = Reload(d, absl::StrReplaceAll(DefaultYaml(), {{"shards: 0", "shards: 7"}}),
             &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << s.error_message();
  EXPECT_NE(s.error_message().find("shards: cannot change at run time"),
            std::string::npos)
      << s.error_message();

  // Dry run validates but does not switch; the same version is "unchanged".
  ASSERT_TRUE(Reload(d, WithBurstLimit(9), &response, /*dry_run=*/true).ok());
  EXPECT_NE(response.pipeline().version_hash(), before->version_hash());
  ASSERT_TRUE(Reload(d, DefaultYaml(), &response).ok());
  EXPECT_TRUE(response.unchanged());

  auto after = d.Pipeline();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->version_hash(), before->version_hash());
  // Still serving.
  ASSERT_TRUE(d.PublishOne(1, {Payment("x", "a", "m", 1, "CNY", kT0)}).ok());
}

}  // namespace
}  // namespace riskflow::e2e
