// The FREEZE guard rail end to end: a burst of FREEZE-worthy payouts in one
// event-time minute through the real daemon gives exactly `cap` FREEZEs,
// the rest MANUAL_REVIEW with a FREEZE_CAP annotation; the count of the
// current minute survives a restart; health and ListPlugins show the hits;
// and a replay of the daemon's own log gives identical decisions.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/replayer.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/temp_dir.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;

// Every payout of 1,000 EUR or more is a FREEZE; at most 5 per minute.
constexpr char kPipeline[] = R"(name: freeze-cap-e2e
shards: 1
detectors:
  - name: big_payout
    plugin: large_amount
    route: FREEZE
    freeze_cap_per_minute: 5
    params:
      thresholds: "EUR:100000"
      types: [PAYOUT]
)";

// kT0 is not on a minute boundary; start the burst at the next one.
constexpr int64_t kMinute0 = (kT0 / kMinute + 1) * kMinute;

v1::Event BigPayout(const std::string& id, int64_t t) {
  // One account per payout: the cap is about the detector, not an account.
  return Payout(id, "acct-" + id, "bene", 250000, "EUR", t);
}

std::map<std::string, v1::Decision> ReadAllSinks(TestDaemon* daemon) {
  std::map<std::string, v1::Decision> out;
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    auto read = daemon->ReadSink(sink);
    EXPECT_TRUE(read.ok()) << read.status();
    if (!read.ok()) continue;
    for (v1::Decision& d : *read) {
      d.clear_sink_sequence();
      out[d.event_id()] = d;
    }
  }
  return out;
}

TEST(FreezeCapE2eTest, BurstIsCappedSurvivesRestartAndReplaysIdentically) {
  TestDaemonOptions options;
  options.pipeline_yaml = kPipeline;
  auto started = TestDaemon::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  TestDaemon* daemon = started->get();

  // Minute 0: 8 payouts, then a restart, then 3 more in the same minute;
  // minute 1: 2 payouts (a fresh count).
  std::vector<v1::Event> first, second;
  for (int i = 0; i < 8; ++i) {
    first.push_back(BigPayout(absl::StrCat("m0-", i), kMinute0 + i * kSecond));
  }
  for (int i = 8; i < 11; ++i) {
    second.push_back(
        BigPayout(absl::StrCat("m0-", i), kMinute0 + i * kSecond));
  }
  for (int i = 0; i < 2; ++i) {
    second.push_back(BigPayout(absl::StrCat("m1-", i),
                               kMinute0 + kMinute + i * kSecond));
  }
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE(daemon->Publish(Batches(first, 3), &acks).ok());
  ASSERT_TRUE(daemon->WaitProcessed().ok());
  ASSERT_TRUE(daemon->Restart().ok());
  ASSERT_TRUE(daemon->Publish(Batches(second, 3, 100), &acks).ok());
  ASSERT_TRUE(daemon->WaitProcessed().ok());

  std::map<std::string, v1::Decision> live = ReadAllSinks(daemon);
  ASSERT_EQ(live.size(), 13u);
  for (int i = 0; i < 11; ++i) {
    const v1::Decision& d = live[absl::StrCat("m0-", i)];
    SCOPED_TRACE(d.ShortDebugString());
    if (i < 5) {
      EXPECT_EQ(d.route(), v1::FREEZE);
      EXPECT_EQ(FindAnnotation(d, "router"), nullptr);
    } else {
      // Including the three after the restart: the minute's count is state.
      EXPECT_EQ(d.route(), v1::MANUAL_REVIEW);
      ASSERT_EQ(d.routes_size(), 1);
      const v1::Annotation* cap = FindAnnotation(d, "router");
      ASSERT_NE(cap, nullptr);
      EXPECT_EQ(cap->reason_code(), "FREEZE_CAP");
      EXPECT_EQ(EvidenceMap(*cap)["detector"], "big_payout");
      EXPECT_EQ(EvidenceMap(*cap)["minute_start_ms"],
                std::to_string(kMinute0));
      EXPECT_EQ(FindAnnotation(d, "big_payout")->route(), v1::MANUAL_REVIEW);
    }
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(live[absl::StrCat("m1-", i)].route(), v1::FREEZE);
  }

  // Operators see it. Counters are per process: the 3 hits after restart.
  auto health = daemon->Health();
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->freeze_cap_hits(), 3u);
  EXPECT_NE(health->freeze_cap_warning().find("big_payout 3x (cap 5/min)"),
            std::string::npos)
      << health->freeze_cap_warning();
  auto plugins = daemon->Plugins();
  ASSERT_TRUE(plugins.ok());
  EXPECT_EQ(plugins->plugins(0).freeze_cap_per_minute(), 5u);
  EXPECT_EQ(plugins->plugins(0).freeze_cap_hits(), 3u);
  const std::string data_dir = daemon->data_dir();
  daemon->Shutdown();

  // A replay of the daemon's own log: the very same decisions.
  const std::string dir = MakeTempDir("freeze-cap-replay");
  ASSERT_FALSE(dir.empty());
  replay::ReplayOptions o;
  auto config = config::ParsePipelineYaml(kPipeline);
  ASSERT_TRUE(config.ok()) << config.status();
  o.pipeline = *config;
  o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
  o.from_log = data_dir;
  o.out = dir + "/decisions.jsonl";
  o.shards = 1;
  for (uint32_t batch : {1u, 1000u}) {
    o.batch_size = batch;
    absl::StatusOr<replay::ReplaySummary> s = replay::Replayer::Run(o);
    ASSERT_TRUE(s.ok()) << s.status();
    std::map<std::string, v1::Decision> replayed = ReadDecisionsJsonl(o.out);
    ASSERT_EQ(replayed.size(), 13u);
    for (const auto& [id, d] : live) {
      EXPECT_EQ(replayed[id].SerializeAsString(), d.SerializeAsString())
          << "batch " << batch << "\nlive:   " << d.ShortDebugString()
          << "\nreplay: " << replayed[id].ShortDebugString();
    }
  }
}

}  // namespace
}  // namespace riskflow::e2e
