// Keyed stages (docs/keyed-stages.md), end to end: velocity keyed by
// counterparty and by device runs on the shard owning the counterparty /
// device, so its windows see every account's events. Its alerts are exact
// (counted here from the stream itself) and the decisions are the same
// bytes for 1, 2 and 4 shards, in replay and live, also across a restart.
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "google/protobuf/util/json_util.h"
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

// The keyed detectors sit between account-keyed ones, so a merge in the
// wrong order changes the decision bytes.
constexpr char kPipeline[] = R"(
name: keyed
allowed_lateness: 5m
max_batch_events: 64
detectors:
  - name: velocity_burst
    plugin: velocity
    route: NOTIFY
    params:
      max_events: 5
      window: 1m
  - name: counterparty_burst
    plugin: velocity
    route: MANUAL_REVIEW
    params:
      key: counterparty
      max_events: 10
      window: 1m
      types: [PAYMENT]
  - name: large_payout
    plugin: large_amount
    route: MANUAL_REVIEW
    params:
      thresholds: "CNY:10000000"
      types: [PAYOUT]
  - name: device_burst
    plugin: velocity
    route: FREEZE
    params:
      key: device
      max_events: 8
      window: 1m
      types: [PAYMENT]
)";

constexpr int kBursts = 3;
constexpr int kCounterpartyBurst = 30;  // payments, 30 accounts, 30 s
constexpr int kDeviceBurst = 25;        // payments, 25 accounts, 20 s

// ~2,500 events over ~45 minutes, 400 accounts, each on its own device,
// paying 300 counterparties; three times a burst of many accounts paying
// one counterparty, and three times many accounts on one device.
std::vector<v1::Event> GenerateStream() {
  std::mt19937_64 rng(4242);
  std::vector<v1::Event> events;
  int64_t t = kT0;
  int id = 0;
  auto next_id = [&id] { return absl::StrCat("k-", id++); };
  auto payment = [&](const std::string& account, const std::string& cp,
                     const std::string& device, int64_t at) {
    v1::Event e = Payment(next_id(), account, cp, 1000 + rng() % 5000, "CNY",
                          at);
    e.set_device_id(device);
    events.push_back(e);
  };
  for (int burst = 0; burst < kBursts; ++burst) {
    for (int i = 0; i < 700; ++i) {
      t += 200 + static_cast<int64_t>(rng() % 800);
      const std::string account = absl::StrCat("acct-", rng() % 400);
      if (rng() % 10 == 0) {
        events.push_back(Payout(next_id(), account, "bene", 
                                rng() % 2 ? 25000000 : 5000, "CNY", t));
      } else {
        payment(account, absl::StrCat("cp-", rng() % 300),
                absl::StrCat("dev-", account), t);
      }
      if (i == 300) {
        // Interleaved with the background: every account a new one.
        for (int k = 0; k < kCounterpartyBurst; ++k) {
          payment(absl::StrCat("burst-", burst, "-", k), "merch-hot",
                  absl::StrCat("dev-b", burst, "-", k), t + k * kSecond);
        }
      }
      if (i == 500) {
        for (int k = 0; k < kDeviceBurst; ++k) {
          payment(absl::StrCat("mule-", burst, "-", k),
                  absl::StrCat("cp-m", k), "dev-hot",
                  t + k * 800);
        }
      }
    }
    t += 10 * kMinute;  // the bursts' windows are long gone
  }
  return events;
}

class KeyedStagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("keyed-stages");
    ASSERT_FALSE(dir_.empty());
    events_ = GenerateStream();
    jsonl_ = dir_ + "/stream.jsonl";
    std::ofstream out(jsonl_);
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    for (const v1::Event& e : events_) {
      std::string line;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(e, &line, print)
                      .ok());
      out << line << "\n";
    }
  }

  replay::ReplayOptions Options(uint32_t shards) {
    replay::ReplayOptions o;
    auto config = config::ParsePipelineYaml(kPipeline);
    EXPECT_TRUE(config.ok()) << config.status();
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.input.path = jsonl_;
    o.out = absl::StrCat(dir_, "/out-", shards, ".jsonl");
    o.shards = shards;
    o.batch_size = 100;
    // A small cache: checkpoints (and their cross-shard wait) happen often.
    o.max_cached_entities_per_shard = 256;
    return o;
  }

  std::string dir_;
  std::string jsonl_;
  std::vector<v1::Event> events_;
};

TEST_F(KeyedStagesTest, ReplayIsExactAndTheSameForOneTwoAndFourShards) {
  std::string first;
  for (uint32_t shards : {1u, 2u, 4u}) {
    absl::StatusOr<replay::ReplaySummary> s =
        replay::Replayer::Run(Options(shards));
    ASSERT_TRUE(s.ok()) << s.status();
    if (first.empty()) first = s->output_sha256;
    EXPECT_EQ(s->output_sha256, first) << shards << " shards";
    // Exact: events 11..30 of each counterparty burst, 9..25 of each
    // device burst. Before keyed stages, several shards each counted only
    // their own accounts' share of merch-hot and dev-hot.
    EXPECT_EQ(s->detector_hits["counterparty_burst"],
              uint64_t{kBursts} * (kCounterpartyBurst - 10))
        << shards << " shards";
    EXPECT_EQ(s->detector_hits["device_burst"],
              uint64_t{kBursts} * (kDeviceBurst - 8))
        << shards << " shards";
    EXPECT_GT(s->detector_hits["large_payout"], 0u);
  }
  // Each burst event is one new account: no account-keyed alert hides the
  // keyed ones, and the annotations are in detector order.
  std::map<std::string, v1::Decision> decisions =
      ReadDecisionsJsonl(Options(4).out);
  int hot = 0;
  for (const auto& [id, d] : decisions) {
    for (int i = 1; i < d.annotations_size(); ++i) {
      EXPECT_NE(d.annotations(i - 1).detector(), d.annotations(i).detector());
    }
    for (const v1::Annotation& a : d.annotations()) {
      if (a.detector() == "counterparty_burst") ++hot;
    }
  }
  EXPECT_EQ(hot, kBursts * (kCounterpartyBurst - 10));
}

// Sink contents of a live run, sink_sequence cleared, by event id.
std::map<std::string, v1::Decision> LiveDecisions(TestDaemon& daemon) {
  std::map<std::string, v1::Decision> live;
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    auto read = daemon.ReadSink(sink);
    EXPECT_TRUE(read.ok()) << read.status();
    if (!read.ok()) continue;
    std::set<std::string> seen;
    for (v1::Decision& d : *read) {
      d.clear_sink_sequence();
      EXPECT_TRUE(seen.insert(d.event_id()).second)
          << "twice in sink " << v1::Route_Name(sink) << ": " << d.event_id();
      live[d.event_id()] = d;
    }
  }
  return live;
}

void ExpectSameAsReplay(const std::map<std::string, v1::Decision>& live,
                        std::map<std::string, v1::Decision> replayed) {
  ASSERT_FALSE(live.empty());
  for (const auto& [id, d] : live) {
    ASSERT_TRUE(replayed.count(id)) << id;
    EXPECT_EQ(replayed[id].SerializeAsString(), d.SerializeAsString())
        << "live:   " << d.ShortDebugString()
        << "\nreplay: " << replayed[id].ShortDebugString();
  }
  for (const auto& [id, d] : replayed) {
    if (!live.count(id)) {
      EXPECT_EQ(d.route(), v1::PASS) << id;
    }
  }
}

TEST_F(KeyedStagesTest, LiveDaemonWithFourShardsDecidesLikeReplay) {
  TestDaemonOptions options;
  options.pipeline_yaml = kPipeline;
  options.shards = 4;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  // The first half, a restart (checkpoints written at shutdown under the
  // keyed rule), then the rest: the windows carry over.
  const size_t half = events_.size() / 2;
  std::vector<v1::Event> a(events_.begin(), events_.begin() + half);
  std::vector<v1::Event> b(events_.begin() + half, events_.end());
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE((*daemon)->Publish(Batches(a, 50), &acks).ok());
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());
  ASSERT_TRUE((*daemon)->Restart().ok());
  ASSERT_TRUE((*daemon)->Publish(Batches(b, 50, 100000), &acks).ok());
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());

  // An inline decision still works with a keyed stage in the way: one
  // more payment to merch-hot within the last burst's minute would be the
  // 31st; far later it is the first.
  v1::Event probe = Payment("probe", "acct-probe", "merch-hot", 100, "CNY",
                            events_.back().event_time_ms() + kMinute);
  probe.set_device_id("dev-probe");
  v1::EvaluateResponse response;
  ASSERT_TRUE((*daemon)->Evaluate(probe, &response).ok());
  EXPECT_EQ(response.decision().route(), v1::PASS);

  // ListPlugins says where each detector runs.
  auto plugins = (*daemon)->Plugins();
  ASSERT_TRUE(plugins.ok()) << plugins.status();
  std::map<std::string, std::string> keys;
  for (const auto& p : plugins->plugins()) keys[p.detector()] = p.partition_key();
  EXPECT_EQ(keys, (std::map<std::string, std::string>{
                      {"velocity_burst", "account"},
                      {"counterparty_burst", "counterparty"},
                      {"large_payout", "account"},
                      {"device_burst", "device"}}));

  std::map<std::string, v1::Decision> live = LiveDecisions(**daemon);
  (*daemon)->Shutdown();

  absl::StatusOr<replay::ReplaySummary> s = replay::Replayer::Run(Options(2));
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectSameAsReplay(live, ReadDecisionsJsonl(Options(2).out));
  int hot = 0;
  for (const auto& [id, d] : live) {
    for (const v1::Annotation& an : d.annotations()) {
      if (an.detector() == "counterparty_burst") ++hot;
    }
  }
  EXPECT_EQ(hot, kBursts * (kCounterpartyBurst - 10));
}

}  // namespace
}  // namespace riskflow::e2e
