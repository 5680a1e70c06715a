// Replay against live on every detector: a generated stream (tools/datagen,
// all eleven anomaly scenarios) with some events arriving late — past the
// allowed lateness, so their windows are clipped at the visibility horizon —
// goes live through a real in-process daemon running
// pipeline/config/all_detectors.yaml, then through `riskflow replay`'s
// engine twice: with its default cache, which writes nothing before the
// end, and with one so small that it flushes and evicts all the time. Every event must get the same decision, field for field. Live
// commits state every micro-batch; replay drops what falls behind the
// horizon unwritten: this is the test that the two agree on every state
// kind the detectors use (windowed counters and sums, distinct sets with
// long ttls, last-seen values).
#include <stdlib.h>

#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/replayer.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/temp_dir.h"
#include "tests/runfiles.h"
#include "tests/test_daemon.h"
#include "tools/datagen/generator.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;

// A week of 200 accounts with a high anomaly rate (~1 event per minute of
// event time); every 23rd event is held back and sent 5 to 24 events later:
// ~5-25 minutes behind the stream, around the 5-minute allowed lateness and
// inside many detectors' windows, so the horizon clips some windows and
// not others.
std::vector<v1::Event> GeneratedStreamWithLateArrivals() {
  datagen::GeneratorOptions o;
  o.seed = 7;
  o.accounts = 200;
  o.days = 7;
  o.anomaly_rate = 0.02;
  datagen::Generator generator(o);
  std::vector<v1::Event> in_order;
  v1::Event e;
  while (generator.Next(&e)) in_order.push_back(e);
  std::vector<v1::Event> out;
  std::multimap<size_t, v1::Event> held;  // release position -> event
  for (size_t i = 0; i < in_order.size(); ++i) {
    if (i % 23 == 22) {
      held.emplace(i + 5 + (i / 23) % 20, in_order[i]);
    } else {
      out.push_back(in_order[i]);
    }
    for (auto it = held.begin(); it != held.end() && it->first <= i;) {
      out.push_back(it->second);
      it = held.erase(it);
    }
  }
  for (auto& [pos, event] : held) out.push_back(event);
  return out;
}


TEST(ReplayLiveParityTest, EveryDetectorGivesTheLiveDecisions) {
  const std::vector<v1::Event> events = GeneratedStreamWithLateArrivals();
  ASSERT_GT(events.size(), 3000u);
  const std::string yaml = ReadRunfile("pipeline/config/all_detectors.yaml");
  ASSERT_FALSE(yaml.empty());

  TestDaemonOptions options;
  options.pipeline_yaml = yaml;
  options.shards = 3;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  std::vector<v1::PublishAck> acks;
  grpc::Status published = (*daemon)->Publish(Batches(events, 250), &acks);
  ASSERT_TRUE(published.ok()) << published.error_message();
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());
  // Every decision, PASS included: Evaluate of a logged event returns it.
  std::map<std::string, v1::Decision> live;
  for (const v1::Event& e : events) {
    v1::EvaluateResponse r;
    ASSERT_TRUE((*daemon)->Evaluate(e, &r).ok()) << e.event_id();
    ASSERT_TRUE(r.duplicate()) << e.event_id();
    live[e.event_id()] = r.decision();
  }
  (*daemon)->Shutdown();

  const std::string dir = MakeTempDir("replay-live-parity");
  ASSERT_FALSE(dir.empty());
  const std::string input = dir + "/stream.jsonl";
  {
    std::ofstream out(input);
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    for (const v1::Event& e : events) {
      std::string line;
      ASSERT_TRUE(
          google::protobuf::util::MessageToJsonString(e, &line, print).ok());
      out << line << "\n";
    }
  }
  auto config = config::ParsePipelineYaml(yaml);
  ASSERT_TRUE(config.ok()) << config.status();

  int late = 0, flagged = 0;
  // One shard with the default cache (nothing is written before the end:
  // trims run without flushes) and four shards with a cache so small that
  // it flushes and evicts all the time; the latter also without entity
  // hints (docs/state-memory.md, "Entity hints"), which live and the other
  // replays use: hints must never change a decision.
  struct Run {
    uint32_t shards;
    size_t cache;
    bool hints;
  };
  for (auto [shards, cache, hints] :
       {Run{1, 0, true}, Run{4, 64, true}, Run{4, 64, false}}) {
    if (!hints) setenv("RISKFLOW_ENTITY_HINTS", "0", 1);
    replay::ReplayOptions o;
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.input.path = input;
    o.out = absl::StrCat(dir, "/replay-", shards, hints ? "" : "-nohints",
                         ".jsonl");
    o.shards = shards;
    o.batch_size = 100;
    o.max_cached_entities_per_shard = cache;
    absl::StatusOr<replay::ReplaySummary> s = replay::Replayer::Run(o);
    unsetenv("RISKFLOW_ENTITY_HINTS");
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_EQ(s->decided, events.size());
    std::map<std::string, v1::Decision> replayed = ReadDecisionsJsonl(o.out);
    ASSERT_EQ(replayed.size(), live.size());
    int differ = 0;
    for (const auto& [id, d] : live) {
      v1::Decision want = d;
      v1::Decision got = replayed[id];
      // Sink positions exist live only.
      want.clear_sink_sequence();
      if (got.SerializeAsString() != want.SerializeAsString() &&
          ++differ <= 5) {
        ADD_FAILURE() << shards << " shards, cache " << cache
                      << (hints ? "" : ", no hints")
                      << "\nlive:   " << want.ShortDebugString()
                      << "\nreplay: " << got.ShortDebugString();
      }
      if (shards == 1) {
        late += want.late() ? 1 : 0;
        flagged += want.route() != v1::PASS ? 1 : 0;
      }
    }
    EXPECT_EQ(differ, 0) << "decisions that differ from live, " << shards
                         << " shards, cache " << cache
                         << (hints ? "" : ", no hints");
  }
  // The stream exercises what it claims to.
  EXPECT_GT(late, 50);
  EXPECT_GT(flagged, 20);
}

}  // namespace
}  // namespace riskflow::e2e
