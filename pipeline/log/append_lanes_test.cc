#include "pipeline/log/append_lanes.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace riskflow::log {
namespace {

TEST(AppendLanesTest, PriorityJoinsTheNextGroupAheadOfWaitingBulk) {
  AppendLanes<std::string> lanes;
  for (int i = 0; i < 50; ++i) {
    lanes.Push("bulk" + std::to_string(i), 100, Lane::kBulk);
  }
  lanes.Push("evaluate", 1, Lane::kPriority);
  std::vector<std::string> group;
  lanes.TakeGroup(/*max_bulk_weight=*/1000,
                  /*max_bulk_weight_with_priority=*/200, &group);
  ASSERT_FALSE(group.empty());
  EXPECT_EQ(group.front(), "evaluate");
  // The small bound applies to a group carrying an Evaluate.
  EXPECT_EQ(group.size(), 3u);
  EXPECT_EQ(group[1], "bulk0");
  EXPECT_EQ(group[2], "bulk1");
  EXPECT_EQ(lanes.size(Lane::kPriority), 0u);
  EXPECT_EQ(lanes.weight(Lane::kBulk), 48u * 100);
}

TEST(AppendLanesTest, BulkGroupsAreBoundedAndKeepArrivalOrder) {
  AppendLanes<int> lanes;
  for (int i = 0; i < 10; ++i) lanes.Push(i, 300, Lane::kBulk);
  std::vector<int> seen;
  int groups = 0;
  while (!lanes.empty()) {
    std::vector<int> group;
    const size_t w = lanes.TakeGroup(1000, 100, &group);
    EXPECT_LE(w, 1000u);
    EXPECT_EQ(w, group.size() * 300);
    seen.insert(seen.end(), group.begin(), group.end());
    ++groups;
  }
  EXPECT_EQ(groups, 4);  // 3 + 3 + 3 + 1
  for (int i = 0; i < 10; ++i) EXPECT_EQ(seen[i], i);
}

TEST(AppendLanesTest, AnOversizedBulkBatchStillMakesProgress) {
  AppendLanes<int> lanes;
  lanes.Push(1, 5000, Lane::kBulk);
  lanes.Push(2, 10, Lane::kBulk);
  std::vector<int> group;
  EXPECT_EQ(lanes.TakeGroup(1000, 100, &group), 5000u);
  EXPECT_EQ(group, std::vector<int>{1});
}

TEST(AppendLanesTest, EveryWaitingPriorityItemIsTakenInOrder) {
  AppendLanes<int> lanes;
  lanes.Push(100, 5000, Lane::kBulk);
  lanes.Push(1, 1, Lane::kPriority);
  lanes.Push(2, 1, Lane::kPriority);
  lanes.Push(3, 1, Lane::kPriority);
  std::vector<int> group;
  // The oversized bulk batch waits for a group without priority items.
  EXPECT_EQ(lanes.TakeGroup(1000, 100, &group), 3u);
  EXPECT_EQ(group, (std::vector<int>{1, 2, 3}));
  group.clear();
  EXPECT_EQ(lanes.TakeGroup(1000, 100, &group), 5000u);
  EXPECT_EQ(group, std::vector<int>{100});
  EXPECT_TRUE(lanes.empty());
}

}  // namespace
}  // namespace riskflow::log
