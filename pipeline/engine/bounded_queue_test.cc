#include "pipeline/engine/bounded_queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"

#include "gtest/gtest.h"

namespace riskflow::engine {
namespace {

// An item with a priority flag, as ShardItem carries LoggedEvent::priority.
struct Item {
  int id;
  bool priority = false;
};

std::vector<int> Ids(const std::vector<Item>& items) {
  std::vector<int> ids;
  for (const Item& i : items) ids.push_back(i.id);
  return ids;
}

TEST(BoundedQueueTest, APriorityItemEndsTheBatchWithoutReordering) {
  BoundedQueue<Item> q(100, [](const Item& i) { return i.priority; });
  std::vector<Item> in;
  for (int i = 0; i < 10; ++i) in.push_back({i, i == 3});
  ASSERT_TRUE(q.PushAll(std::move(in)));
  std::vector<Item> out;
  ASSERT_TRUE(q.PopBatch(64, &out));
  // Items before it are still processed first (log order holds); the
  // batch ends with the priority item so its decision commits at once.
  EXPECT_EQ(Ids(out), (std::vector<int>{0, 1, 2, 3}));
  out.clear();
  ASSERT_TRUE(q.PopBatch(64, &out));
  EXPECT_EQ(Ids(out), (std::vector<int>{4, 5, 6, 7, 8, 9}));
}

// The shard skips a checkpoint slice while an Evaluate's event waits
// (Shard::Loop): the count follows pushes and both pop paths (a whole
// pushed vector handed over, and item by item).
TEST(BoundedQueueTest, KnowsWhetherABatchEnderIsQueued) {
  BoundedQueue<Item> q(100, [](const Item& i) { return i.priority; });
  EXPECT_FALSE(q.HasBatchEnder());
  ASSERT_TRUE(q.PushAll({{0, false}, {1, true}}));
  ASSERT_TRUE(q.PushAll({{2, false}, {3, true}, {4, false}, {5, true}}));
  EXPECT_TRUE(q.HasBatchEnder());
  std::vector<Item> out;
  ASSERT_TRUE(q.PopBatch(64, &out));
  EXPECT_EQ(Ids(out), (std::vector<int>{0, 1}));
  EXPECT_TRUE(q.HasBatchEnder());
  out.clear();
  ASSERT_TRUE(q.PopBatch(64, &out));
  EXPECT_EQ(Ids(out), (std::vector<int>{2, 3}));
  EXPECT_TRUE(q.HasBatchEnder());
  out.clear();
  ASSERT_TRUE(q.PopBatch(64, &out));
  EXPECT_EQ(Ids(out), (std::vector<int>{4, 5}));
  EXPECT_FALSE(q.HasBatchEnder());
  ASSERT_TRUE(q.PushAll({{6, false}, {7, true}}));  // handed over whole
  EXPECT_TRUE(q.HasBatchEnder());
  out.clear();
  ASSERT_TRUE(q.PopBatch(64, &out));
  EXPECT_EQ(Ids(out), (std::vector<int>{6, 7}));
  EXPECT_FALSE(q.HasBatchEnder());
  BoundedQueue<Item> without(100);
  ASSERT_TRUE(without.PushAll({{0, true}}));
  EXPECT_FALSE(without.HasBatchEnder()) << "no predicate, no batch enders";
}

TEST(BoundedQueueTest, WithoutAPredicateBatchesRunToMax) {
  BoundedQueue<Item> q(100);
  std::vector<Item> in;
  for (int i = 0; i < 10; ++i) in.push_back({i, true});
  ASSERT_TRUE(q.PushAll(std::move(in)));
  std::vector<Item> out;
  ASSERT_TRUE(q.PopBatch(8, &out));
  EXPECT_EQ(out.size(), 8u);
}

std::vector<Item> Range(int from, int to, int priority_at = -1) {
  std::vector<Item> items;
  for (int i = from; i < to; ++i) items.push_back({i, i == priority_at});
  return items;
}

std::vector<int> IdRange(int from, int to) {
  std::vector<int> ids;
  for (int i = from; i < to; ++i) ids.push_back(i);
  return ids;
}

// Pushed vectors are queued whole; batches still follow the items: several
// pushes merge up to max, a push larger than max is split, a priority item
// ends the batch wherever it is, and the order never changes.
TEST(BoundedQueueTest, BatchesAcrossAndWithinPushedVectors) {
  BoundedQueue<Item> q(1000, [](const Item& i) { return i.priority; });
  ASSERT_TRUE(q.PushAll(Range(0, 5)));
  ASSERT_TRUE(q.PushAll(Range(5, 12)));
  ASSERT_TRUE(q.PushAll(Range(12, 20, /*priority_at=*/19)));
  ASSERT_TRUE(q.PushAll(Range(20, 30, /*priority_at=*/24)));
  ASSERT_TRUE(q.PushAll(Range(30, 33)));
  EXPECT_EQ(q.size(), 33u);
  std::vector<Item> out;
  ASSERT_TRUE(q.PopBatch(8, &out));  // the first push whole, then 3 more
  EXPECT_EQ(Ids(out), IdRange(0, 8));
  out.clear();
  ASSERT_TRUE(q.PopBatch(100, &out));  // up to the priority item at 19
  EXPECT_EQ(Ids(out), IdRange(8, 20));
  out.clear();
  ASSERT_TRUE(q.PopBatch(100, &out));  // a priority item mid-vector
  EXPECT_EQ(Ids(out), IdRange(20, 25));
  out.clear();
  ASSERT_TRUE(q.PopBatch(3, &out));  // the rest of a vector, split
  EXPECT_EQ(Ids(out), IdRange(25, 28));
  EXPECT_EQ(q.size(), 5u);
  out.clear();
  ASSERT_TRUE(q.PopBatch(100, &out));
  EXPECT_EQ(Ids(out), IdRange(28, 33));
  EXPECT_EQ(q.size(), 0u);
  ASSERT_TRUE(q.PushAll(Range(33, 40, /*priority_at=*/39)));
  ASSERT_TRUE(q.PushAll(Range(40, 41)));
  out.clear();
  ASSERT_TRUE(q.PopBatch(100, &out));  // whole vector ending in priority
  EXPECT_EQ(Ids(out), IdRange(33, 40));
  q.Close();
  out.clear();
  ASSERT_TRUE(q.PopBatch(100, &out));  // queued items outlive Close
  EXPECT_EQ(Ids(out), IdRange(40, 41));
  out.clear();
  EXPECT_FALSE(q.PopBatch(100, &out));
}

// Capacity counts items, not pushes: a push waits until its items fit (or
// the queue is empty).
TEST(BoundedQueueTest, CapacityCountsItems) {
  BoundedQueue<Item> q(10);
  ASSERT_TRUE(q.PushAll(Range(0, 6)));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    ASSERT_TRUE(q.PushAll(Range(6, 12)));
    pushed.store(true);
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(pushed.load());
  std::vector<Item> out;
  ASSERT_TRUE(q.PopBatch(4, &out));
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.size(), 8u);
}

}  // namespace
}  // namespace riskflow::engine
