// riskflowd as a subprocess, SIGKILLed again and again at random points
// (seeded) while a Publish stream keeps it busy, and started each time with
// a different --shards; some starts are killed while they recover, before
// they serve. At the end every event is logged exactly once, every flagged
// event is in each of its sinks exactly once with gap-free sink sequences,
// and every sink entry equals the decision a clean replay of the log makes
// (so no state was applied twice: a double-counted velocity window would
// change a decision's evidence or route).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/replayer.h"
#include "tests/acks.h"
#include "tests/daemon_process.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;

constexpr size_t kEvents = 60000;
constexpr size_t kBatchSize = 250;
// Batches in flight on the stream before the writer waits for acks.
constexpr size_t kWindow = 8;
// Kills while the daemon is under load, each followed by a start with
// another shard count.
constexpr int kLoadKills = 16;
// The start after these load kills is itself killed while it recovers;
// when such a start serves before the kill lands, the next one tries again
// (up to kExtraCycles more load kills in all).
const std::set<int> kRecoveryKillAfter = {1, 3, 5, 8};
constexpr int kExtraCycles = 6;
// Micro-batches of the test pipeline: small, so a recovery commits early
// and often and a kill soon after it starts finds commits to trip over.
constexpr char kMaxBatchEvents[] = "max_batch_events: 128";

uint64_t Seed() {
  uint64_t seed = 20261203;
  if (const char* s = std::getenv("RISKFLOW_KILL9_SEED")) {
    absl::SimpleAtoi(s, &seed);
  }
  return seed;
}

// A stream the default pipeline flags a good part of: 1,500 ordinary
// accounts around the velocity_burst threshold (NOTIFY), 30 hot accounts
// far beyond velocity_extreme (FREEZE), payouts that are large or repeat
// the same (counterparty, amount) within minutes (MANUAL_REVIEW). 3 ms of
// event time per event: 60K events span 3 minutes, so windows of one
// minute and ten minutes both matter and state carries across restarts.
std::vector<v1::Event> Stream(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<v1::Event> events;
  events.reserve(kEvents);
  for (size_t i = 0; i < kEvents; ++i) {
    const int64_t t = kT0 + static_cast<int64_t>(i) * 3;
    const std::string id = absl::StrCat("k9-", i);
    const uint64_t r = rng();
    const std::string account =
        r % 100 < 15 ? absl::StrCat("hot-", rng() % 30)
                     : absl::StrCat("acct-", rng() % 1500);
    const uint64_t kind = rng() % 100;
    if (kind < 10) {
      const std::string payee = absl::StrCat("payee-", rng() % 3);
      const int64_t amount =
          rng() % 5 == 0 ? 20000000 : 5000 * static_cast<int64_t>(1 + rng() % 3);
      events.push_back(Payout(id, account, payee, amount, "CNY", t));
    } else if (kind < 15) {
      events.push_back(Login(id, account, t));
    } else {
      events.push_back(Payment(id, account, "shop", 100 + rng() % 50000,
                               "CNY", t));
    }
  }
  return events;
}

bool FileContains(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find(needle) != std::string::npos;
}

// One Publish stream from batches[from] on, at most kWindow unacknowledged,
// until `stop` is set (then the daemon is killed under it) or every batch
// is written. Collects the acks.
class Publisher {
 public:
  // Writes batches [from, from + limit) of *batches (fewer at its end).
  Publisher(int port, const std::vector<v1::PublishRequest>* batches,
            size_t from, size_t limit)
      : client_(MakeChannel(port)),
        batches_(batches),
        from_(from),
        end_(std::min(batches->size(), from + limit)) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    stream_ = client_.ingest->Publish(&context_);
    reader_ = std::thread([this] { ReadAcks(); });
    writer_ = std::thread([this] { WriteBatches(); });
  }

  // Call after the daemon was killed (or when everything is acked).
  std::vector<v1::PublishAck> Finish() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    writer_.join();
    context_.TryCancel();
    reader_.join();
    stream_->Finish().IgnoreError();
    absl::MutexLock lock(&mu_);
    return acks_;
  }

  size_t written() {
    absl::MutexLock lock(&mu_);
    return written_;
  }

  bool AllAcked() {
    absl::MutexLock lock(&mu_);
    return acks_.size() == end_ - from_;
  }

 private:
  void ReadAcks() {
    v1::PublishAck ack;
    while (stream_->Read(&ack)) {
      absl::MutexLock lock(&mu_);
      acks_.push_back(ack);
    }
    absl::MutexLock lock(&mu_);
    reader_done_ = true;
  }

  void WriteBatches() {
    for (size_t i = from_; i < end_; ++i) {
      {
        absl::MutexLock lock(&mu_);
        auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stop_ || reader_done_ || from_ + acks_.size() + kWindow > i;
        };
        mu_.Await(absl::Condition(&room));
        if (stop_ || reader_done_) return;
      }
      if (!stream_->Write((*batches_)[i])) return;
      absl::MutexLock lock(&mu_);
      ++written_;
    }
    stream_->WritesDone();
  }

  Clients client_;
  const std::vector<v1::PublishRequest>* batches_;
  const size_t from_;
  const size_t end_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream_;
  absl::Mutex mu_;
  std::vector<v1::PublishAck> acks_ ABSL_GUARDED_BY(mu_);
  size_t written_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;
  std::thread writer_;
};

// The default pipeline with small micro-batches, and without the FREEZE
// guard rail: its cap is split across shards (each allows cap / shards per
// minute, see docs/plugin-output-and-guard-rails.md), so which FREEZEs it
// turns into MANUAL_REVIEW depends on the shard count — and this test
// changes the shard count at every restart while its stream freezes
// thousands of events per minute of event time.
std::string PipelineYaml() {
  std::string yaml(config::DefaultPipelineYaml());
  const std::string from = "max_batch_events: 2048";
  const size_t at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << "the default pipeline changed";
  if (at != std::string::npos) yaml.replace(at, from.size(), kMaxBatchEvents);
  const std::string freeze = "    route: FREEZE\n";
  for (size_t pos = yaml.find(freeze); pos != std::string::npos;
       pos = yaml.find(freeze, pos + 1)) {
    yaml.insert(pos + freeze.size(), "    freeze_cap_per_minute: 0\n");
  }
  EXPECT_NE(yaml.find("freeze_cap_per_minute: 0"), std::string::npos)
      << "the default pipeline has no FREEZE detector any more";
  if (std::getenv("RISKFLOW_KILL9_KEYED") != nullptr) {
    // kill9_keyed_test (docs/keyed-stages.md): a stage keyed by
    // counterparty, run on the payee's shard. The three payees get ~650
    // payouts a minute each, so from the 301st in a minute on every payout
    // carries a count that a lost or doubled stage effect would change.
    yaml += R"(
  - name: payee_burst
    plugin: velocity
    route: NOTIFY
    params:
      key: counterparty
      max_events: 300
      window: 1m
      types: [PAYOUT]
)";
  }
  return yaml;
}

TEST(Kill9ShardChangeTest, FlaggedEventsReachEachSinkExactlyOnce) {
  // Progress reaches the test log even if the test times out.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const uint64_t seed = Seed();
  std::printf("seed %llu (override with RISKFLOW_KILL9_SEED)\n",
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::vector<v1::Event> events = Stream(seed);
  const std::vector<v1::PublishRequest> batches = Batches(events, kBatchSize);
  const std::string data_dir = MakeTempDir("riskflow-kill9");
  ASSERT_FALSE(data_dir.empty());
  const std::string yaml = PipelineYaml();
  const std::string config_path = data_dir + ".yaml";
  std::ofstream(config_path) << yaml;
  auto daemon_args = [&](uint32_t shards) {
    return std::vector<std::string>{absl::StrCat("--shards=", shards),
                                    absl::StrCat("--config=", config_path)};
  };
  // Every start's stderr, kept to look for what recovery said.
  std::vector<std::string> logs;
  auto next_log = [&] {
    logs.push_back(absl::StrCat(data_dir, ".stderr.", logs.size()));
    return logs.back();
  };
  auto start = [&](uint32_t n) -> absl::StatusOr<std::unique_ptr<DaemonProcess>> {
    auto d = DaemonProcess::Spawn(RiskflowdPath(), data_dir, daemon_args(n),
                                  next_log());
    if (!d.ok()) return d.status();
    if (auto s = (*d)->WaitServing(absl::Seconds(120)); !s.ok()) return s;
    return d;
  };

  std::map<std::string, AckedEvent> acked;
  size_t next_batch = 0;  // every batch before it is acknowledged
  uint32_t shards = 1;
  int kills = 0, recovery_kills = 0, redispatch_kills = 0;
  std::vector<std::string> schedule;
  auto other_shard_count = [&] {
    uint32_t next = shards;
    while (next == shards) next = 1 + static_cast<uint32_t>(rng() % 4);
    shards = next;
    return shards;
  };
  const absl::Time started = absl::Now();

  int recovery_kills_due = 0;
  int recovery_misses = 0;  // recovery kills in a row that came too late
  for (int cycle = 0, load_kills = 0;
       load_kills < kLoadKills ||
       (recovery_kills_due > 0 && cycle < kLoadKills + kExtraCycles);
       ++cycle) {
    const uint32_t n = other_shard_count();
    if (cycle > 0 && kRecoveryKillAfter.count(load_kills - 1) > 0) {
      ++recovery_kills_due;
    }
    const bool recovery_kill = recovery_kills_due > 0 && cycle > 0;
    if (recovery_kill) {
      // Kill this start while it recovers the backlog the last kill left:
      // some time after it announced the re-run, before it says it is done
      // (it serves meanwhile: publishes are accepted during recovery).
      const std::string log_path = next_log();
      auto d = DaemonProcess::Spawn(RiskflowdPath(), data_dir, daemon_args(n),
                                    log_path);
      ASSERT_TRUE(d.ok()) << d.status();
      // The announcement comes before the daemon serves; serving without
      // one means there was nothing to recover.
      auto recovered = [&] {
        return FileContains(log_path, "recovery done") ||
               ((*d)->Serving() && !FileContains(log_path, "recovering:"));
      };
      // Re-deciding writes every micro-batch (2,048 events), so a kill
      // soon after the start often finds nothing written yet. A start
      // that recovered before its kill landed had a short backlog: each
      // miss narrows the delay fourfold (600 ms, 150, 37, 9, 2), so a fast
      // machine still sees its kills land during recovery.
      const int max_delay_ms = 600 >> (2 * recovery_misses);
      const absl::Duration delay =
          absl::Milliseconds(rng() % (max_delay_ms + 1));
      const absl::Time deadline = absl::Now() + absl::Seconds(60);
      bool announced = false;
      while (!recovered() && absl::Now() < deadline &&
             !(announced = FileContains(log_path, "recovering:"))) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      const absl::Time kill_at = absl::Now() + delay;
      while (absl::Now() < kill_at && !recovered()) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      const bool during = !recovered();
      ASSERT_TRUE((*d)->Kill().ok());
      ++kills;
      if (during) {
        ++recovery_kills;
        --recovery_kills_due;
        recovery_misses = 0;
      } else {
        ++recovery_misses;
      }
      if (during && announced) ++redispatch_kills;
      schedule.push_back(absl::StrCat(
          n, "r", during ? (announced ? "+" : "") : "(done)"));
      std::printf("cycle %d: %u shards, killed %s recovery\n", cycle, n,
                  during ? "during" : "after");
    }
    const uint32_t m = recovery_kill ? other_shard_count() : n;
    auto d = start(m);
    ASSERT_TRUE(d.ok()) << d.status();
    // Kill after a random number of batches written (or a random time if
    // the stream runs dry), while batches are in flight and the shards
    // still work through their queues.
    const size_t kill_after = 6 + rng() % 9;
    // A start writes only a few batches past its kill point, so the stream
    // lasts through every cycle: a recovery kill needs a backlog to recover
    // (CI once ran the stream dry by cycle 4, and every later start served
    // at once, before its recovery kill could land).
    Publisher publisher((*d)->port(), &batches, next_batch,
                        kill_after + kWindow);
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (publisher.written() < kill_after && !publisher.AllAcked() &&
           absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    absl::SleepFor(absl::Milliseconds(rng() % 50));
    {
      Clients c(MakeChannel((*d)->port()));
      absl::StatusOr<v1::Health> h = GetHealth(c.admin.get());
      if (h.ok()) {
        std::printf("at kill: durable %llu processed %llu (%.1f s)\n",
                    (unsigned long long)h->durable_sequence(),
                    (unsigned long long)h->processed_sequence(),
                    absl::ToDoubleSeconds(absl::Now() - started));
      }
    }
    ASSERT_TRUE((*d)->Kill().ok());
    ++kills;
    ++load_kills;
    std::vector<v1::PublishAck> acks = publisher.Finish();
    absl::StatusOr<std::map<std::string, AckedEvent>> got =
        AckedEvents(batches, acks);
    ASSERT_TRUE(got.ok()) << got.status();
    for (const auto& [id, a] : *got) {
      auto [it, fresh] = acked.emplace(id, a);
      if (!fresh) {
        EXPECT_EQ(it->second.sequence, a.sequence) << id << " moved";
      }
    }
    std::set<uint64_t> acked_batches;
    for (const v1::PublishAck& ack : acks) {
      EXPECT_TRUE(ack.batch_error().empty()) << ack.batch_error();
      EXPECT_EQ(ack.errors_size(), 0);
      acked_batches.insert(ack.batch_id());
    }
    while (next_batch < batches.size() &&
           acked_batches.count(batches[next_batch].batch_id()) > 0) {
      ++next_batch;
    }
    schedule.push_back(absl::StrCat(m, "@", next_batch));
    std::printf("cycle %d: %u shards, killed under load at batch %zu\n",
                cycle, m, next_batch);
  }

  // The last start: publish the rest, let it finish, read every sink.
  const uint32_t final_shards = other_shard_count();
  auto d = start(final_shards);
  ASSERT_TRUE(d.ok()) << d.status();
  Clients client(MakeChannel((*d)->port()));
  {
    std::vector<v1::PublishRequest> rest(batches.begin() + next_batch,
                                         batches.end());
    std::vector<v1::PublishAck> acks;
    grpc::Status s = PublishBatches(client.ingest.get(), rest, &acks);
    ASSERT_TRUE(s.ok()) << s.error_message();
    absl::StatusOr<std::map<std::string, AckedEvent>> got =
        AckedEvents(batches, acks);
    ASSERT_TRUE(got.ok()) << got.status();
    for (const auto& [id, a] : *got) acked.emplace(id, a);
  }
  ASSERT_TRUE(WaitProcessed(client.admin.get()).ok());
  absl::StatusOr<v1::Health> health = GetHealth(client.admin.get());
  ASSERT_TRUE(health.ok()) << health.status();
  // Each event logged exactly once: sequences are gap-free from 1.
  EXPECT_EQ(health->durable_sequence(), kEvents);
  std::map<v1::Route, std::vector<v1::Decision>> sinks;
  for (v1::Route r : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    absl::StatusOr<std::vector<v1::Decision>> sink =
        ReadSink(client.sinks.get(), r);
    ASSERT_TRUE(sink.ok()) << sink.status();
    sinks[r] = std::move(*sink);
  }
  absl::StatusOr<int> code = (*d)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  const double live_seconds = absl::ToDoubleSeconds(absl::Now() - started);
  const absl::Time check_started = absl::Now();

  // The reference: a clean replay of the same log.
  auto config = config::ParsePipelineYaml(yaml);
  ASSERT_TRUE(config.ok()) << config.status();
  replay::ReplayOptions o;
  o.pipeline = *config;
  o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
  o.from_log = data_dir;
  o.out = data_dir + ".replay.jsonl";
  o.shards = 2;
  absl::StatusOr<replay::ReplaySummary> summary = replay::Replayer::Run(o);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->decided, kEvents);
  const std::map<std::string, v1::Decision> replayed =
      ReadDecisionsJsonl(o.out);
  ASSERT_EQ(replayed.size(), kEvents);
  for (const auto& [id, a] : acked) {
    auto it = replayed.find(id);
    ASSERT_NE(it, replayed.end()) << id << " was acked but is not logged";
    EXPECT_EQ(it->second.sequence(), a.sequence) << id;
  }
  EXPECT_EQ(acked.size(), kEvents);

  size_t flagged = 0, entries = 0, duplicates = 0, missing = 0, differ = 0,
         gaps = 0;
  for (const auto& [id, d] : replayed) flagged += d.route() != v1::PASS;
  for (const auto& [route, sink] : sinks) {
    SCOPED_TRACE(v1::Route_Name(route));
    std::set<std::string> want;
    for (const auto& [id, d] : replayed) {
      if (std::find(d.routes().begin(), d.routes().end(), route) !=
          d.routes().end()) {
        want.insert(d.decision_id());
      }
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < sink.size(); ++i) {
      const v1::Decision& got = sink[i];
      ++entries;
      if (got.sink_sequence() != i + 1) ++gaps;
      if (!seen.insert(got.decision_id()).second) {
        if (++duplicates <= 5) {
          ADD_FAILURE() << "twice in the sink: " << got.decision_id();
        }
        continue;
      }
      auto it = replayed.find(got.event_id());
      if (it == replayed.end() || want.count(got.decision_id()) == 0) {
        if (++differ <= 5) {
          ADD_FAILURE() << "in the sink but not routed there by the replay: "
                        << got.ShortDebugString();
        }
        continue;
      }
      v1::Decision live = got;
      live.clear_sink_sequence();
      if (live.SerializeAsString() != it->second.SerializeAsString() &&
          ++differ <= 5) {
        ADD_FAILURE() << "live:   " << live.ShortDebugString()
                      << "\nreplay: " << it->second.ShortDebugString();
      }
    }
    for (const std::string& id : want) {
      if (seen.count(id) == 0 && ++missing <= 5) {
        ADD_FAILURE() << "missing from the sink: " << id;
      }
    }
  }
  std::printf(
      "%d kills (%d during recovery, %d of them while re-deciding), shard "
      "counts %s, final %u; %zu events, %zu flagged, %zu sink entries: "
      "%zu duplicated, %zu missing, %zu differ from replay, %zu gaps; "
      "live part %.1f s, replay and checks %.1f s\n",
      kills, recovery_kills, redispatch_kills,
      absl::StrJoin(schedule, " ").c_str(), final_shards, kEvents, flagged,
      entries, duplicates, missing, differ, gaps, live_seconds,
      absl::ToDoubleSeconds(absl::Now() - check_started));
  // Decisions run ahead of checkpoints, so recoveries meet events decided
  // before the kill: re-run for state, never published again (the sink
  // checks above). The kills must have exercised that path.
  int rerun_starts = 0;
  for (const std::string& path : logs) {
    rerun_starts += FileContains(path, "decided before the crash") &&
                            !FileContains(path, "(0 of them decided")
                        ? 1
                        : 0;
  }
  EXPECT_GE(rerun_starts, 1) << "no recovery re-ran a decided event";
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(gaps, 0u);
  // The stream exercises what it claims to.
  EXPECT_GE(kills, 12);
  EXPECT_GE(recovery_kills, 2);
  EXPECT_GE(kills, 20);
  EXPECT_GT(flagged, kEvents / 5);
  for (const auto& [route, sink] : sinks) EXPECT_GT(sink.size(), 500u);
}

}  // namespace
}  // namespace riskflow::e2e
