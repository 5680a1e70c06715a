// DecisionWaiters' callback waits (the callback Evaluate): the callback
// runs exactly once, from the look-up or from Publish, never after a
// successful Cancel, and a publish racing a cancel still runs it once.
// A waiter whose decision the shard did not keep whole gets it from its
// look-up at Publish.
#include "pipeline/engine/decision_waiters.h"

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace riskflow::engine {
namespace {

using riskflow::v1::Decision;

Decision DecisionFor(uint64_t sequence) {
  Decision d;
  d.set_sequence(sequence);
  d.set_event_id(std::to_string(sequence));
  return d;
}

DecisionWaiters::Lookup NotYet() {
  return []() -> absl::StatusOr<std::optional<Decision>> {
    return std::nullopt;
  };
}

TEST(DecisionWaitersTest, LookupAnswersAtOnce) {
  DecisionWaiters waiters;
  int calls = 0;
  uint64_t token = waiters.WaitAsync(
      7,
      []() -> absl::StatusOr<std::optional<Decision>> {
        return DecisionFor(7);
      },
      [&calls](absl::StatusOr<Decision> d) {
        ASSERT_TRUE(d.ok());
        EXPECT_EQ(d->sequence(), 7u);
        ++calls;
      });
  EXPECT_EQ(token, 0u);
  EXPECT_EQ(calls, 1);
  waiters.Publish({DecisionFor(7)});  // nobody waits any more
  EXPECT_EQ(calls, 1);
}

TEST(DecisionWaitersTest, LookupErrorReachesTheCallback) {
  DecisionWaiters waiters;
  absl::Status seen;
  EXPECT_EQ(waiters.WaitAsync(
                3,
                []() -> absl::StatusOr<std::optional<Decision>> {
                  return absl::DataLossError("decision store unreadable");
                },
                [&seen](absl::StatusOr<Decision> d) { seen = d.status(); }),
            0u);
  EXPECT_EQ(seen.code(), absl::StatusCode::kDataLoss);
}

TEST(DecisionWaitersTest, PublishRunsEachWaiterOnceAndOnlyItsOwn) {
  DecisionWaiters waiters;
  std::vector<uint64_t> seen;
  for (uint64_t seq : {10, 11, 11}) {
    EXPECT_NE(waiters.WaitAsync(seq, NotYet(),
                                [&seen](absl::StatusOr<Decision> d) {
                                  ASSERT_TRUE(d.ok());
                                  seen.push_back(d->sequence());
                                }),
              0u);
  }
  waiters.Publish({DecisionFor(11), DecisionFor(12)});
  EXPECT_EQ(seen, (std::vector<uint64_t>{11, 11}));
  waiters.Publish({DecisionFor(10), DecisionFor(11)});
  EXPECT_EQ(seen, (std::vector<uint64_t>{11, 11, 10}));
}

TEST(DecisionWaitersTest, CancelledWaiterIsNeverCalled) {
  DecisionWaiters waiters;
  int calls = 0;
  uint64_t token = waiters.WaitAsync(
      5, NotYet(), [&calls](absl::StatusOr<Decision>) { ++calls; });
  ASSERT_NE(token, 0u);
  EXPECT_TRUE(waiters.Cancel(5, token));
  EXPECT_FALSE(waiters.Cancel(5, token));  // once only
  waiters.Publish({DecisionFor(5)});
  EXPECT_EQ(calls, 0);
}

TEST(DecisionWaitersTest, CancelAfterPublishSaysTheCallbackRan) {
  DecisionWaiters waiters;
  int calls = 0;
  uint64_t token = waiters.WaitAsync(
      9, NotYet(), [&calls](absl::StatusOr<Decision>) { ++calls; });
  waiters.Publish({DecisionFor(9)});
  EXPECT_FALSE(waiters.Cancel(9, token));
  EXPECT_EQ(calls, 1);
}

TEST(DecisionWaitersTest, PublishRacingCancelRunsTheCallbackAtMostOnce) {
  for (int round = 0; round < 200; ++round) {
    DecisionWaiters waiters;
    std::atomic<int> calls{0};
    const uint64_t token = waiters.WaitAsync(
        1, NotYet(), [&calls](absl::StatusOr<Decision>) { calls.fetch_add(1); });
    bool cancelled = false;
    std::thread publisher([&] { waiters.Publish({DecisionFor(1)}); });
    cancelled = waiters.Cancel(1, token);
    publisher.join();
    EXPECT_EQ(calls.load(), cancelled ? 0 : 1) << "round " << round;
  }
}

// The look-up of a decision committed once `committed` is set.
DecisionWaiters::Lookup FoundOnce(const std::atomic<bool>* committed,
                                  uint64_t sequence, std::atomic<int>* reads) {
  return [=]() -> absl::StatusOr<std::optional<Decision>> {
    reads->fetch_add(1);
    if (!committed->load()) return std::nullopt;
    Decision d = DecisionFor(sequence);
    d.set_account_id("read back");
    return d;
  };
}

TEST(DecisionWaitersTest, WaitingSaysWhoIsWaited) {
  DecisionWaiters waiters;
  EXPECT_FALSE(waiters.Waiting(4));
  const uint64_t token = waiters.WaitAsync(
      4, NotYet(), [](absl::StatusOr<Decision>) {});
  EXPECT_TRUE(waiters.Waiting(4));
  EXPECT_FALSE(waiters.Waiting(5));
  waiters.Cancel(4, token);
  EXPECT_FALSE(waiters.Waiting(4));
}

TEST(DecisionWaitersTest, DecisionNotKeptWholeIsReadBackForALateWaiter) {
  // The waiter registered after the shard asked Waiting: the batch kept
  // only 21 whole, so 20's waiter gets 20 from its look-up.
  DecisionWaiters waiters;
  std::atomic<bool> committed{false};
  std::atomic<int> reads{0};
  std::vector<std::string> seen;
  auto record = [&seen](absl::StatusOr<Decision> d) {
    ASSERT_TRUE(d.ok()) << d.status();
    seen.push_back(d->event_id() + ":" + d->account_id());
  };
  ASSERT_NE(waiters.WaitAsync(20, FoundOnce(&committed, 20, &reads), record),
            0u);
  ASSERT_NE(waiters.WaitAsync(21, NotYet(), record), 0u);
  ASSERT_NE(waiters.WaitAsync(30, FoundOnce(&committed, 30, &reads), record),
            0u);  // not in this batch
  committed = true;
  waiters.Publish({DecisionFor(21)}, {19, 20, 21, 22});
  EXPECT_EQ(seen, (std::vector<std::string>{"21:", "20:read back"}));
  EXPECT_EQ(reads.load(), 3);  // 20 and 30 at registration, 20 at Publish
  EXPECT_TRUE(waiters.Waiting(30));
  EXPECT_FALSE(waiters.Waiting(20));
}

TEST(DecisionWaitersTest, SyncWaiterOfADecisionNotKeptWholeIsReadBack) {
  DecisionWaiters waiters;
  std::atomic<bool> committed{false};
  std::atomic<int> reads{0};
  absl::StatusOr<Decision> got;
  std::thread waiter([&] {
    got = waiters.Wait(8, absl::Now() + absl::Seconds(30),
                       FoundOnce(&committed, 8, &reads));
  });
  while (!waiters.Waiting(8)) absl::SleepFor(absl::Milliseconds(1));
  while (reads.load() == 0) absl::SleepFor(absl::Milliseconds(1));
  committed = true;
  waiters.Publish({}, {7, 8});
  waiter.join();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->account_id(), "read back");
}

}  // namespace
}  // namespace riskflow::engine
