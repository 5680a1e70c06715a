#include "pipeline/engine/prefetch_schedule.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <vector>

#include "gtest/gtest.h"

namespace riskflow::engine {
namespace {

// Every event gets its stages in order 0, 1, ... one per event decided
// before it, as many as there are (up to `stages`), the last one just
// before its own turn; nothing at or before the event being decided, and
// nothing past the batch.
TEST(PrefetchScheduleTest, StagesInOrderOnePerEventBefore) {
  for (int stages : {1, 2, 5}) {
    for (size_t begin : {0, 3}) {
      for (size_t end = begin; end < begin + 12; ++end) {
        std::map<size_t, std::vector<int>> got;      // event -> stages
        std::map<size_t, std::vector<size_t>> when;  // event -> iterations
        for (size_t i = begin; i < end; ++i) {
          ForEachPrefetchStage(begin, i, end, stages, [&](size_t j, int s) {
            ASSERT_GT(j, i);
            ASSERT_LT(j, end);
            got[j].push_back(s);
            when[j].push_back(i);
          });
        }
        for (size_t j = begin; j < end; ++j) {
          const size_t want =
              std::min<size_t>(static_cast<size_t>(stages), j - begin);
          ASSERT_EQ(got[j].size(), want) << "event " << j;
          for (size_t k = 0; k < want; ++k) {
            EXPECT_EQ(got[j][k], static_cast<int>(k));
            EXPECT_EQ(when[j][k], j - want + k);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace riskflow::engine
