// Replay determinism, end to end: one generated stream (bursts, large
// payouts, duplicate payouts, re-sent ids, late events) replayed with 1 and
// 4 shards and batch sizes 1 and 1000 gives byte-identical output; the
// same events sent live through the daemon get the same decisions; the
// daemon's own log replays to the same bytes; and the replay never touches
// the daemon's data or sinks.
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/delimited.h"
#include "pipeline/replay/replayer.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/temp_dir.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using ::testing::HasSubstr;
namespace v1 = ::riskflow::v1;

// A few thousand events over ~40 minutes of event time, 150 accounts.
std::vector<v1::Event> GenerateStream() {
  std::mt19937_64 rng(20260101);
  std::vector<v1::Event> events;
  int64_t t = kT0;
  int id = 0;
  auto next_id = [&id] { return absl::StrCat("gen-", id++); };
  auto account = [&rng] { return absl::StrCat("acct-", rng() % 150); };
  while (events.size() < 3000) {
    t += 200 + static_cast<int64_t>(rng() % 800);
    const int kind = static_cast<int>(rng() % 100);
    if (kind < 55) {
      events.push_back(Payment(next_id(), account(), "merch-1",
                               1000 + rng() % 90000, "CNY", t));
    } else if (kind < 70) {
      events.push_back(Payout(next_id(), account(), "bene-2",
                              5000 + rng() % 50000, "USD", t));
    } else if (kind < 80) {
      events.push_back(Login(next_id(), account(), t));
    } else if (kind < 84) {
      // A burst: 25 transfers within seconds (velocity_burst at 6,
      // velocity_extreme at 21).
      const std::string a = account();
      for (int i = 0; i < 25; ++i) {
        events.push_back(Transfer(next_id(), a, "acct-x", 100, "EUR", t + i));
      }
    } else if (kind < 88) {
      // A large payout: over the 10,000,000 fen threshold.
      events.push_back(
          Payout(next_id(), account(), "bene-big", 25000000, "CNY", t));
    } else if (kind < 92) {
      // The same payout twice within minutes, new event ids.
      const std::string a = account();
      events.push_back(Payout(next_id(), a, "bene-dup", 777700, "CNY", t));
      events.push_back(
          Payout(next_id(), a, "bene-dup", 777700, "CNY", t + 60000));
    } else if (kind < 93) {
      // A late burst, 5.5 minutes behind: later than the allowed lateness,
      // so the older half of its 1-minute window is behind the visibility
      // horizon (watermark - retention) and must be clipped the same way
      // live, in replay and whatever the cache held.
      const std::string a = account();
      for (int i = 0; i < 25; ++i) {
        events.push_back(
            Transfer(next_id(), a, "acct-y", 100, "EUR", t - 330000 + i));
      }
    } else if (kind < 95 && !events.empty()) {
      // A re-sent event id: the log recognises it, nothing new is decided.
      events.push_back(events[rng() % events.size()]);
    } else {
      // Late: 10 minutes behind, past the 5-minute allowed lateness.
      events.push_back(
          Payment(next_id(), account(), "merch-3", 500, "CNY", t - 600000));
    }
  }
  return events;
}

class ReplayDeterminismTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("replay-determinism");
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

  replay::ReplayOptions Options(uint32_t shards, uint32_t batch_size) {
    replay::ReplayOptions o;
    auto config = config::ParsePipelineYaml(config::DefaultPipelineYaml());
    EXPECT_TRUE(config.ok());
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.input.path = jsonl_;
    o.out = absl::StrCat(dir_, "/out-", shards, "-", batch_size, ".jsonl");
    o.shards = shards;
    o.batch_size = batch_size;
    return o;
  }

  std::string dir_;
  std::string jsonl_;
  std::vector<v1::Event> events_;
};


TEST_F(ReplayDeterminismTest, SameBytesWhateverShardsAndBatchSize) {
  std::string first;
  replay::ReplaySummary summary;
  for (uint32_t shards : {1u, 4u}) {
    for (uint32_t batch : {1u, 1000u}) {
      absl::StatusOr<replay::ReplaySummary> s =
          replay::Replayer::Run(Options(shards, batch));
      ASSERT_TRUE(s.ok()) << s.status();
      if (first.empty()) {
        first = s->output_sha256;
        summary = *s;
      }
      EXPECT_EQ(s->output_sha256, first)
          << shards << " shards, batches of " << batch;
    }
  }
  // The stream exercises every detector and route, so equal hashes mean
  // something.
  EXPECT_GT(summary.duplicates, 0u);
  EXPECT_EQ(summary.rejected, 0u);
  for (const char* d : {"velocity_burst", "velocity_extreme", "large_payout",
                        "duplicate_payout"}) {
    EXPECT_GT(summary.detector_hits[d], 0u) << d;
  }
  for (const char* r : {"FREEZE", "MANUAL_REVIEW", "NOTIFY", "PASS"}) {
    EXPECT_GT(summary.routes[r], 0u) << r;
  }
  std::map<std::string, v1::Decision> decisions =
      ReadDecisionsJsonl(Options(1, 1).out);
  int late = 0;
  for (const auto& [id, d] : decisions) late += d.late() ? 1 : 0;
  EXPECT_GT(late, 0);

  // The same stream as gzip'd length-delimited protobuf: same bytes out.
  std::string bytes;
  for (const v1::Event& e : events_) replay::AppendDelimited(e, &bytes);
  replay::ReplayOptions o = Options(4, 1000);
  o.input.path = dir_ + "/stream.pb";
  std::ofstream(o.input.path, std::ios::binary) << bytes;
  absl::StatusOr<replay::ReplaySummary> s = replay::Replayer::Run(o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->output_sha256, first);

  // An id index of 100 entries spills to the state directory ~30 times;
  // re-sent ids are still recognised wherever their original went.
  replay::ReplayOptions small = Options(4, 1000);
  small.ids_in_memory = 100;
  s = replay::Replayer::Run(small);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->output_sha256, first);
  EXPECT_EQ(s->duplicates, summary.duplicates);
}

TEST_F(ReplayDeterminismTest, LiveDaemonGivesTheSameDecisions) {
  TestDaemonOptions daemon_options;
  daemon_options.shards = 4;
  auto daemon = TestDaemon::Start(daemon_options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  // One stream, in order: the live log gets the input order.
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE((*daemon)->Publish(Batches(events_, 100), &acks).ok());
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());
  std::map<std::string, v1::Decision> live;
  size_t sink_entries = 0;
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    auto read = (*daemon)->ReadSink(sink);
    ASSERT_TRUE(read.ok()) << read.status();
    sink_entries += read->size();
    for (v1::Decision& d : *read) {
      d.clear_sink_sequence();
      live[d.event_id()] = d;
    }
  }
  const std::string data_dir = (*daemon)->data_dir();

  // A replay may not use the running daemon's directory, nor one inside it.
  replay::ReplayOptions refused = Options(2, 1000);
  refused.state_dir = data_dir;
  EXPECT_THAT(replay::Replayer::Run(refused).status().message(),
              HasSubstr("refusing --state_dir " + data_dir));
  refused.input.path.clear();
  refused.from_log = data_dir;
  refused.state_dir = data_dir + "/replay";
  EXPECT_THAT(replay::Replayer::Run(refused).status().message(),
              HasSubstr("overlaps the data directory"));
  (*daemon)->Shutdown();

  absl::StatusOr<replay::ReplaySummary> from_file =
      replay::Replayer::Run(Options(4, 1000));
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  std::map<std::string, v1::Decision> replayed =
      ReadDecisionsJsonl(Options(4, 1000).out);

  // Every live sink decision is the replay's, field for field; every event
  // the live run sent to no sink is a PASS in the replay.
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
    EXPECT_EQ(d.pipeline_version(), replayed.begin()->second.pipeline_version());
  }

  // The daemon's own log replays to the very same bytes.
  replay::ReplayOptions o = Options(2, 1000);
  o.input.path.clear();
  o.from_log = data_dir;
  o.out = dir_ + "/from-log.jsonl";
  absl::StatusOr<replay::ReplaySummary> from_log = replay::Replayer::Run(o);
  ASSERT_TRUE(from_log.ok()) << from_log.status();
  EXPECT_EQ(from_log->output_sha256, from_file->output_sha256);
  EXPECT_EQ(from_log->duplicates, 0u);  // the log holds each id once

  // The replays changed nothing the daemon serves: same sink entries.
  ASSERT_TRUE((*daemon)->Restart().ok());
  size_t after = 0;
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    auto read = (*daemon)->ReadSink(sink);
    ASSERT_TRUE(read.ok()) << read.status();
    after += read->size();
  }
  EXPECT_EQ(after, sink_entries);
}

}  // namespace
}  // namespace riskflow::e2e
