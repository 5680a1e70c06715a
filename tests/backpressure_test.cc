// Backpressure end to end: with a deliberately slow detector and small
// queues, publishers are refused with RESOURCE_EXHAUSTED instead of being
// silently dropped, and everything that was acknowledged is decided.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

// One shard and a detector that sleeps 20 ms per event: ~50 events/s.
constexpr char kSlowPipeline[] = R"(
name: slow
shards: 1
detectors:
  - name: slow
    plugin: testing/faulty/libfaulty.so
    on_error: PASS
    time_budget: 1s
    params: {sleep_ms: 20}
)";

TEST(BackpressureTest, FullQueuesRefuseLoudlyAndLoseNothingAcked) {
  TestDaemonOptions options;
  options.pipeline_yaml = kSlowPipeline;
  options.max_pending_events = 50;
  options.shard_queue_events = 50;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;

  constexpr int kStreams = 4;
  constexpr int kBatches = 10;
  constexpr int kBatchSize = 50;
  std::vector<grpc::Status> statuses(kStreams);
  std::vector<std::vector<riskflow::v1::PublishAck>> acks(kStreams);
  std::vector<std::thread> publishers;
  for (int s = 0; s < kStreams; ++s) {
    publishers.emplace_back([&, s] {
      std::vector<riskflow::v1::Event> events;
      for (int i = 0; i < kBatches * kBatchSize; ++i) {
        events.push_back(Payment(absl::StrCat("s", s, "-", i),
                                 absl::StrCat("acct-", i % 13), "m", 100,
                                 "CNY", kT0 + i));
      }
      statuses[s] = d.Publish(Batches(events, kBatchSize), &acks[s]);
    });
  }
  for (auto& t : publishers) t.join();

  int exhausted = 0;
  uint64_t acked = 0;
  for (int s = 0; s < kStreams; ++s) {
    if (!statuses[s].ok()) {
      EXPECT_EQ(statuses[s].error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << statuses[s].error_message();
      EXPECT_NE(statuses[s].error_message().find("retry with backoff"),
                std::string::npos)
          << statuses[s].error_message();
      ++exhausted;
    }
    for (const auto& ack : acks[s]) acked += ack.accepted();
  }
  EXPECT_GT(exhausted, 0) << "the queues never filled";
  EXPECT_LT(acked, static_cast<uint64_t>(kStreams * kBatches * kBatchSize));

  // Exactly the acknowledged events are durable, and all get decided.
  ASSERT_TRUE(d.WaitProcessed(absl::Seconds(120)).ok());
  auto health = d.Health();
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->durable_sequence(), acked);
  EXPECT_EQ(health->events_processed(), acked);
  EXPECT_TRUE(health->serving());
}

}  // namespace
}  // namespace riskflow::e2e
