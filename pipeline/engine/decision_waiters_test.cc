// DecisionWaiters' callback waits (the callback Evaluate): the callback
// runs exactly once, from the look-up or from Publish, never after a
// successful Cancel, and a publish racing a cancel still runs it once.
#include "pipeline/engine/decision_waiters.h"

#include <atomic>
#include <optional>
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

}  // namespace
}  // namespace riskflow::engine
