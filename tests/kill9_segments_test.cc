// riskflowd --event_log=segments as a subprocess, SIGKILLed at random
// points (seeded) under a Publish stream, restarted each time on the same
// data directory. Afterwards: every acknowledged event is in the log once,
// at the sequence its ack named (sequences gap-free); a re-send of every
// batch after the restarts is answered as duplicates with those sequences
// (the in-memory idempotency index was rebuilt from its checkpoint and the
// log's tail); each flagged event is in each of its sinks exactly once
// with gap-free sink sequences, as a clean replay of the segment log
// (replay --from_log reads it) routes it.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

constexpr size_t kEvents = 24000;
constexpr size_t kBatchSize = 200;
constexpr size_t kWindow = 8;
constexpr int kKills = 5;
constexpr int64_t kT0 = 1767225600000;

uint64_t Seed() {
  uint64_t seed = 20261203;
  if (const char* s = std::getenv("RISKFLOW_KILL9_SEED")) {
    absl::SimpleAtoi(s, &seed);
  }
  return seed;
}

// Hot accounts (NOTIFY / FREEZE by velocity) and repeated payouts
// (MANUAL_REVIEW), 3 ms of event time per event.
std::vector<v1::Event> Stream(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<v1::Event> events;
  for (size_t i = 0; i < kEvents; ++i) {
    const int64_t t = kT0 + static_cast<int64_t>(i) * 3;
    const std::string id = absl::StrCat("seg-", i);
    const std::string account = rng() % 100 < 15
                                    ? absl::StrCat("hot-", rng() % 20)
                                    : absl::StrCat("acct-", rng() % 800);
    const uint64_t kind = rng() % 100;
    if (kind < 10) {
      events.push_back(Payout(id, account, absl::StrCat("payee-", rng() % 3),
                              5000 * static_cast<int64_t>(1 + rng() % 3),
                              "CNY", t));
    } else {
      events.push_back(
          Payment(id, account, "shop", 100 + rng() % 50000, "CNY", t));
    }
  }
  return events;
}

// The default pipeline without the FREEZE cap (a per-minute budget whose
// split depends on timing across restarts) and with small micro-batches.
std::string PipelineYaml() {
  std::string yaml(config::DefaultPipelineYaml());
  const std::string freeze = "    route: FREEZE\n";
  for (size_t pos = yaml.find(freeze); pos != std::string::npos;
       pos = yaml.find(freeze, pos + 1)) {
    yaml.insert(pos + freeze.size(), "    freeze_cap_per_minute: 0\n");
  }
  const std::string from = "max_batch_events: 2048";
  if (size_t at = yaml.find(from); at != std::string::npos) {
    yaml.replace(at, from.size(), "max_batch_events: 128");
  }
  return yaml;
}

// Writes batches [from, end) on one stream, at most kWindow unacknowledged,
// until Finish (after a kill) or the end. Collects the acks.
class Publisher {
 public:
  Publisher(int port, const std::vector<v1::PublishRequest>* batches,
            size_t from, size_t end)
      : client_(MakeChannel(port)), batches_(batches), from_(from), end_(end) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    stream_ = client_.ingest->Publish(&context_);
    reader_ = std::thread([this] {
      v1::PublishAck ack;
      while (stream_->Read(&ack)) {
        absl::MutexLock lock(&mu_);
        acks_.push_back(ack);
      }
      absl::MutexLock lock(&mu_);
      reader_done_ = true;
    });
    writer_ = std::thread([this] {
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
    });
  }

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

 private:
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

TEST(Kill9SegmentsTest, AckedEventsAreLoggedAndDecidedOnceAcrossKills) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const uint64_t seed = Seed();
  std::printf("seed %llu (override with RISKFLOW_KILL9_SEED)\n",
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::vector<v1::Event> events = Stream(seed);
  const std::vector<v1::PublishRequest> batches = Batches(events, kBatchSize);
  const std::string data_dir = MakeTempDir("riskflow-kill9-seg");
  ASSERT_FALSE(data_dir.empty());
  const std::string config_path = data_dir + ".yaml";
  const std::string yaml = PipelineYaml();
  std::ofstream(config_path) << yaml;
  // A horizon above the stream length: every re-send here must be found
  // (forgetting beyond the horizon is horizon_id_index_test's). Index
  // checkpoint files every 4,000 ids, so kills land between them.
  const std::vector<std::string> args = {
      "--event_log=segments", "--shards=2", "--dedupe_horizon=32000",
      absl::StrCat("--config=", config_path)};
  auto start = [&]() -> absl::StatusOr<std::unique_ptr<DaemonProcess>> {
    return DaemonProcess::Start(RiskflowdPath(), data_dir, args);
  };

  std::map<std::string, AckedEvent> acked;
  auto collect = [&](const std::vector<v1::PublishAck>& acks) {
    absl::StatusOr<std::map<std::string, AckedEvent>> got =
        AckedEvents(batches, acks);
    ASSERT_TRUE(got.ok()) << got.status();
    for (const auto& [id, a] : *got) {
      auto [it, fresh] = acked.emplace(id, a);
      if (!fresh) {
        EXPECT_EQ(it->second.sequence, a.sequence) << id << " moved";
      }
    }
  };
  size_t next_batch = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.status();
    const size_t kill_after = 4 + rng() % 12;
    Publisher publisher((*d)->port(), &batches, next_batch,
                        std::min(batches.size(), next_batch + kill_after + 20));
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (publisher.written() < kill_after && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    absl::SleepFor(absl::Milliseconds(rng() % 30));
    ASSERT_TRUE((*d)->Kill().ok());
    std::vector<v1::PublishAck> acks = publisher.Finish();
    collect(acks);
    std::set<uint64_t> acked_batches;
    for (const v1::PublishAck& ack : acks) acked_batches.insert(ack.batch_id());
    while (next_batch < batches.size() &&
           acked_batches.count(batches[next_batch].batch_id()) > 0) {
      ++next_batch;
    }
    std::printf("kill %d: %zu acks, next batch %zu\n", kill, acks.size(),
                next_batch);
  }
  ASSERT_GT(acked.size(), 0u);
  const std::map<std::string, AckedEvent> acked_before_resend = acked;

  // The last start: re-send every batch from the first (what a client that
  // lost its acks would do), then the rest.
  auto d = start();
  ASSERT_TRUE(d.ok()) << d.status();
  Clients client(MakeChannel((*d)->port()));
  std::vector<v1::PublishAck> acks;
  grpc::Status s = PublishBatches(client.ingest.get(), batches, &acks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  absl::StatusOr<std::map<std::string, AckedEvent>> resent =
      AckedEvents(batches, acks);
  ASSERT_TRUE(resent.ok()) << resent.status();
  size_t duplicates = 0;
  for (const auto& [id, a] : acked_before_resend) {
    auto it = resent->find(id);
    ASSERT_NE(it, resent->end()) << id;
    EXPECT_TRUE(it->second.duplicate) << id << " was logged again";
    EXPECT_EQ(it->second.sequence, a.sequence) << id;
    duplicates += it->second.duplicate;
  }
  std::printf("re-sent %zu acknowledged events: %zu duplicates\n",
              acked_before_resend.size(), duplicates);
  collect(acks);
  EXPECT_EQ(acked.size(), kEvents);

  ASSERT_TRUE(WaitProcessed(client.admin.get()).ok());
  absl::StatusOr<v1::Health> health = GetHealth(client.admin.get());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->durable_sequence(), kEvents);  // each logged once
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

  // The reference: a clean replay of the segment log.
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
  size_t entries = 0;
  for (const auto& [route, sink] : sinks) {
    SCOPED_TRACE(v1::Route_Name(route));
    std::set<std::string> want;
    for (const auto& [id, dec] : replayed) {
      if (std::find(dec.routes().begin(), dec.routes().end(), route) !=
          dec.routes().end()) {
        want.insert(id);
      }
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < sink.size(); ++i) {
      ++entries;
      EXPECT_EQ(sink[i].sink_sequence(), i + 1);
      EXPECT_TRUE(seen.insert(sink[i].event_id()).second)
          << "twice in the sink: " << sink[i].event_id();
    }
    EXPECT_EQ(seen, want);
  }
  std::printf("%zu sink entries checked\n", entries);
  EXPECT_GT(entries, 0u);
}

}  // namespace
}  // namespace riskflow::e2e
