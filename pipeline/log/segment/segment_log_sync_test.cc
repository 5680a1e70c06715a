// Write + Sync: records written without waiting are invisible until a sync
// covers them; syncs from several threads at once make exactly what was
// written before each of them durable; a roll seals a segment durably.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/log/segment/segment_log_test_fixture.h"

namespace riskflow::log::segment {
namespace {

class SegmentLogSyncTest : public SegmentLogTest,
                           public ::testing::WithParamInterface<bool> {
 protected:
  SegmentLogOptions SyncOptions() {
    SegmentLogOptions options = Options();
    options.prepare_segments = GetParam();
    return options;
  }
};

TEST_P(SegmentLogSyncTest, WrittenRecordsAreInvisibleUntilSynced) {
  ASSERT_TRUE(Reopen(SyncOptions()).ok());
  const std::vector<std::string> group = {Payload(1), Payload(2)};
  absl::StatusOr<uint64_t> first = log_->Write(group);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1u);
  EXPECT_EQ(log_->next_sequence(), 1u) << "a write alone is not durable";
  absl::StatusOr<std::optional<std::string>> read = log_->Read(1);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->has_value()) << "readers see durable records only";
  EXPECT_TRUE(ScanAll().empty());

  absl::StatusOr<uint64_t> durable = log_->Sync();
  ASSERT_TRUE(durable.ok()) << durable.status();
  EXPECT_EQ(*durable, 3u);
  EXPECT_EQ(log_->next_sequence(), 3u);
  EXPECT_EQ(ScanAll().size(), 2u);
  EXPECT_EQ(log_->stats().syncs, 1u);

  // Nothing new written: a second sync does not touch the disk.
  durable = log_->Sync();
  ASSERT_TRUE(durable.ok());
  EXPECT_EQ(*durable, 3u);
  EXPECT_EQ(log_->stats().syncs, 1u);
}

TEST_P(SegmentLogSyncTest, AppendAfterWritesMakesThemDurableToo) {
  ASSERT_TRUE(Reopen(SyncOptions()).ok());
  const std::vector<std::string> a = {Payload(1)};
  const std::vector<std::string> b = {Payload(2)};
  ASSERT_TRUE(log_->Write(a).ok());
  absl::StatusOr<uint64_t> second = log_->Append(b);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 2u);
  EXPECT_EQ(log_->next_sequence(), 3u);
}

TEST_P(SegmentLogSyncTest, ARollSealsTheSegmentDurably) {
  SegmentLogOptions options = SyncOptions();
  options.segment_bytes = 4 << 10;
  options.first_prepared_bytes = 4 << 10;
  ASSERT_TRUE(Reopen(options).ok());
  uint64_t written = 0;
  // ~60 B framed records, 8 per group: a roll every ~8 groups.
  for (int g = 0; g < 40; ++g) {
    std::vector<std::string> group;
    for (int i = 0; i < 8; ++i) group.push_back(Payload(++written));
    ASSERT_TRUE(log_->Write(group).ok());
  }
  // Never synced, yet every sealed segment's records are durable: the roll
  // synced them before the next file took records.
  EXPECT_GT(log_->segment_count(), 2u);
  const uint64_t visible = log_->next_sequence() - 1;
  EXPECT_GT(visible, 0u);
  EXPECT_LT(visible, written) << "the active segment's records wait";
  absl::StatusOr<uint64_t> durable = log_->Sync();
  ASSERT_TRUE(durable.ok()) << durable.status();
  EXPECT_EQ(*durable, written + 1);

  ASSERT_TRUE(Reopen(options).ok());
  const auto records = ScanAll();
  ASSERT_EQ(records.size(), written);
  for (uint64_t i = 0; i < written; ++i) {
    EXPECT_EQ(records[i].first, i + 1);
    EXPECT_EQ(records[i].second, Payload(i + 1));
  }
}

// The event log's pattern: whoever holds the writer role writes a group,
// then syncs while the other thread writes the next one. Each Sync must
// report durable at least everything its own thread wrote before it.
TEST_P(SegmentLogSyncTest, ConcurrentSyncsCoverWhatWasWrittenBeforeThem) {
  SegmentLogOptions options = SyncOptions();
  options.segment_bytes = 16 << 10;  // rolls under the threads' feet
  ASSERT_TRUE(Reopen(options).ok());
  constexpr int kThreads = 3;
  constexpr int kGroups = 150;
  absl::Mutex writer_role;
  std::atomic<uint64_t> next_payload{1};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int g = 0; g < kGroups; ++g) {
        uint64_t last = 0;
        {
          absl::MutexLock lock(&writer_role);
          std::vector<std::string> group;
          const int n = 1 + g % 5;
          for (int i = 0; i < n; ++i) {
            group.push_back(Payload(next_payload++, 100));
          }
          absl::StatusOr<uint64_t> first = log_->Write(group);
          if (!first.ok()) {
            ++failures;
            return;
          }
          last = *first + n - 1;
        }
        absl::StatusOr<uint64_t> durable = log_->Sync();
        if (!durable.ok() || *durable <= last) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const uint64_t written = next_payload.load() - 1;
  EXPECT_EQ(log_->next_sequence(), written + 1);
  EXPECT_GT(log_->stats().rolls, 3u);

  ASSERT_TRUE(Reopen(options).ok());
  const auto records = ScanAll();
  ASSERT_EQ(records.size(), written);
  for (uint64_t i = 0; i < written; ++i) {
    ASSERT_EQ(records[i].second, Payload(i + 1, 100)) << "sequence " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(PreparedOrNot, SegmentLogSyncTest,
                         ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Prepared" : "Plain";
                         });

}  // namespace
}  // namespace riskflow::log::segment
