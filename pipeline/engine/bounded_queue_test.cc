#include "pipeline/engine/bounded_queue.h"

#include <vector>

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

TEST(BoundedQueueTest, WithoutAPredicateBatchesRunToMax) {
  BoundedQueue<Item> q(100);
  std::vector<Item> in;
  for (int i = 0; i < 10; ++i) in.push_back({i, true});
  ASSERT_TRUE(q.PushAll(std::move(in)));
  std::vector<Item> out;
  ASSERT_TRUE(q.PopBatch(8, &out));
  EXPECT_EQ(out.size(), 8u);
}

}  // namespace
}  // namespace riskflow::engine
