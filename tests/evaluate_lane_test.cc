// The authorization path under bulk traffic (docs/evaluate-lane.md): while
// Publish streams from several threads keep a real daemon saturated,
// Evaluate calls still complete and are decided exactly as on an idle
// daemon (their events go through the log's priority lane and end their
// shard's micro-batch, but are decided in log order like any other). This
// checks correctness only; latency is measured by tools/loadgen.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::EvaluateResponse;

bool HasReason(const riskflow::v1::Decision& d, const std::string& reason) {
  for (const auto& a : d.annotations()) {
    if (a.reason_code() == reason) return true;
  }
  return false;
}

TEST(EvaluateLaneTest, EvaluatesUnderSaturatingPublishLoadAreDecidedRight) {
  TestDaemonOptions options;
  options.shards = 2;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;

  constexpr int kPublishers = 4;
  // Long enough that at least two rounds of Evaluates overlap the load
  // (checked below) also when the log's overlapping syncs ack fast; the
  // bulk events' times (5 ms apart) span what 50 batches 10 ms apart did,
  // so the watermark leaves the Evaluates' event times in the window.
  constexpr int kBatches = 100;
  constexpr int kBatchSize = 500;
  std::atomic<int> publishing{kPublishers};
  std::vector<grpc::Status> statuses(kPublishers);
  std::vector<std::vector<riskflow::v1::PublishAck>> acks(kPublishers);
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      std::vector<riskflow::v1::Event> events;
      for (int i = 0; i < kBatches * kBatchSize; ++i) {
        // Many accounts, spread in event time: bulk traffic that trips no
        // detector on the Evaluate accounts below.
        events.push_back(Payment(absl::StrCat("bulk-", p, "-", i),
                                 absl::StrCat("bulk-acct-", i % 5000), "m",
                                 100 + i % 7, "CNY", kT0 + i * 5));
      }
      // One stream with a window of batches in flight: as fast as acks go.
      statuses[p] = d.Publish(Batches(events, kBatchSize), &acks[p]);
      publishing.fetch_sub(1);
    });
  }

  // Sequential Evaluates while the publishers run: a large payout (review),
  // a small payment on a fresh account (PASS) and a burst on one account
  // whose sixth payment in a minute trips velocity_burst, which needs the
  // state of the five before it, i.e. log order kept for the account.
  int during_load = 0;
  int rounds = 0;
  while (publishing.load() > 0 || rounds < 3) {
    const std::string k = absl::StrCat(rounds);
    EvaluateResponse r;
    grpc::Status s =
        d.Evaluate(Payout("eval-big-" + k, "eval-acct-big-" + k, "cp",
                          15000000, "CNY", kT0 + 1000),
                   &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(r.decision().event_id(), "eval-big-" + k);
    EXPECT_GT(r.decision().sequence(), 0u);
    EXPECT_FALSE(r.duplicate());
    EXPECT_EQ(r.decision().route(), riskflow::v1::MANUAL_REVIEW) << k;
    EXPECT_TRUE(HasReason(r.decision(), "LARGE_AMOUNT")) << k;

    s = d.Evaluate(Payment("eval-small-" + k, "eval-acct-small-" + k, "m", 500,
                           "CNY", kT0 + 1000),
                   &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(r.decision().route(), riskflow::v1::PASS) << k;
    EXPECT_EQ(r.decision().annotations_size(), 0) << k;

    for (int i = 1; i <= 6; ++i) {
      s = d.Evaluate(Payment(absl::StrCat("eval-burst-", k, "-", i),
                             "eval-acct-burst-" + k, "m", 500, "CNY",
                             kT0 + i * kSecond),
                     &r);
      ASSERT_TRUE(s.ok()) << s.error_message();
      if (i <= 5) {
        EXPECT_EQ(r.decision().route(), riskflow::v1::PASS) << k << "/" << i;
      } else {
        EXPECT_EQ(r.decision().route(), riskflow::v1::NOTIFY) << k;
        EXPECT_TRUE(HasReason(r.decision(), "VELOCITY")) << k;
      }
    }
    if (publishing.load() > 0) ++during_load;
    ++rounds;
  }
  for (auto& t : publishers) t.join();

  // The load was real: every batch acknowledged, and Evaluates overlapped
  // it (if the publishers finished first, the test proved nothing).
  uint64_t accepted = 0;
  for (int p = 0; p < kPublishers; ++p) {
    ASSERT_TRUE(statuses[p].ok()) << statuses[p].error_message();
    ASSERT_EQ(acks[p].size(), static_cast<size_t>(kBatches));
    for (const auto& ack : acks[p]) accepted += ack.accepted();
  }
  EXPECT_EQ(accepted, static_cast<uint64_t>(kPublishers) * kBatches * kBatchSize);
  EXPECT_GE(during_load, 2) << "the publishers finished before the Evaluates "
                               "could overlap them";

  // Everything acknowledged gets decided, and a repeated Evaluate returns
  // the logged decision of the first one.
  ASSERT_TRUE(d.WaitProcessed().ok());
  auto health = d.Health();
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->events_processed(), health->durable_sequence());
  EvaluateResponse again;
  ASSERT_TRUE(d.Evaluate(Payout("eval-big-0", "eval-acct-big-0", "cp",
                                15000000, "CNY", kT0 + 1000),
                         &again)
                  .ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.decision().route(), riskflow::v1::MANUAL_REVIEW);
}

}  // namespace
}  // namespace riskflow::e2e
