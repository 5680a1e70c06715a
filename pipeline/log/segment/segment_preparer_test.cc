// Prepared segment files (segment_preparer.h): the log rolls into
// zero-filled files prepared in the background, sizes doubling from
// first_prepared_bytes to segment_bytes; sealed segments are cut to their
// records; a reopened log goes on writing into its prepared file; a
// leftover of an interrupted preparation is removed and never read.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/segment/segment_log_test_fixture.h"

namespace riskflow::log::segment {
namespace {

SegmentLogOptions Small(SegmentLogOptions options) {
  options.prepare_segments = true;
  options.segment_bytes = 64 << 10;
  options.first_prepared_bytes = 16 << 10;
  options.max_group_bytes = 8 << 10;
  return options;
}

TEST_F(SegmentLogTest, RollsIntoPreparedFilesAndCutsSealedOnes) {
  const SegmentLogOptions options = Small(Options());
  ASSERT_TRUE(Reopen(options).ok());
  uint64_t i = 0;
  std::vector<std::string> written;
  // ~200 KB in groups of 4 records of 250 bytes: several rolls; before
  // each group the preparation has finished, so every roll finds a file.
  for (int group = 0; group < 200; ++group) {
    log_->WaitForPreparation();
    std::vector<std::string> payloads;
    for (int r = 0; r < 4; ++r) payloads.push_back(Payload(++i, 250));
    ASSERT_TRUE(log_->Append(payloads).ok());
    written.insert(written.end(), payloads.begin(), payloads.end());
  }
  const SegmentLogStats stats = log_->stats();
  EXPECT_GE(stats.rolls, 4u);
  EXPECT_EQ(stats.prepared_rolls, stats.rolls);

  const std::vector<std::string> files = SegmentFiles();
  ASSERT_EQ(files.size(), stats.rolls);
  // Sizes double from 16 KB to the 64 KB segment size; every sealed file
  // is cut to whole records, the active one keeps its zeros.
  const std::vector<uint64_t> expected_capacity = {16 << 10, 32 << 10,
                                                   64 << 10};
  uint64_t records_bytes = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const uint64_t size = std::filesystem::file_size(Path(files[f]));
    const uint64_t capacity =
        expected_capacity[std::min(f, expected_capacity.size() - 1)];
    if (f + 1 < files.size()) {
      EXPECT_LE(size, capacity) << files[f];
      EXPECT_GT(size, capacity - 4 * (8 + 250)) << files[f];
      const std::string data = ReadFile(Path(files[f]));
      EXPECT_NE(data.back(), '\0') << files[f] << " kept a zero tail";
      records_bytes += size;
    } else {
      EXPECT_EQ(size, capacity) << "the active file is not the prepared one";
    }
  }
  EXPECT_LT(records_bytes, i * (8 + 250));

  std::vector<std::pair<uint64_t, std::string>> all = ScanAll();
  ASSERT_EQ(all.size(), written.size());
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].first, k + 1);
    ASSERT_EQ(all[k].second, written[k]);
  }

  // Reopened: the zeros are kept (no repair reported) and appends go on in
  // the same file, at the same size.
  const std::string active = Path(files.back());
  const uint64_t active_size = std::filesystem::file_size(active);
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_FALSE(log_->open_report().truncated_tail);
  EXPECT_EQ(*log_->Append(std::vector<std::string>{"after reopen"}), i + 1);
  EXPECT_EQ(std::filesystem::file_size(active), active_size);
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(ScanAll().back().second, "after reopen");
  EXPECT_EQ(log_->next_sequence(), i + 2);
}

TEST_F(SegmentLogTest, LeftoverPreparedFileIsRemovedNotRead) {
  SegmentLogOptions options = Small(Options());
  options.prepare_segments = false;
  ASSERT_TRUE(Reopen(options).ok());
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(1)}).ok());
  log_.reset();
  // What a crash mid-preparation leaves: a partial file, here not even
  // zeros.
  WriteFile(Path(SegmentPreparer::kFileName), std::string(5000, 'x'));
  ASSERT_TRUE(Reopen(Small(Options())).ok());
  log_->WaitForPreparation();
  EXPECT_EQ(log_->next_sequence(), 2u);
  ASSERT_EQ(ScanAll().size(), 1u);
  // Open rolled from the unprepared segment into a fresh 16 KB prepared
  // file; the one being prepared now, for the roll after it, is 32 KB of
  // zeros.
  EXPECT_EQ(SegmentFiles().size(), 2u);
  EXPECT_EQ(std::filesystem::file_size(Path(SegmentFiles().back())),
            16u << 10);
  const std::string prepared = ReadFile(Path(SegmentPreparer::kFileName));
  EXPECT_EQ(prepared, std::string(32 << 10, '\0'));
  EXPECT_EQ(*log_->Append(std::vector<std::string>{"next"}), 2u);
  ASSERT_EQ(ScanAll().size(), 2u);
}

// Zero-filling is paid only while groups are small: bulk groups stop the
// preparation (segments are created empty and grow), small groups start it
// again without waiting for a roll.
TEST_F(SegmentLogTest, PreparesOnlyWhileGroupsAreSmall) {
  SegmentLogOptions options = Small(Options());
  options.prepare_below_group_bytes = 4 << 10;
  ASSERT_TRUE(Reopen(options).ok());
  uint64_t i = 0;
  auto append = [&](int records, size_t bytes) {
    std::vector<std::string> payloads;
    for (int r = 0; r < records; ++r) payloads.push_back(Payload(++i, bytes));
    ASSERT_TRUE(log_->Append(payloads).ok());
  };
  // Bulk groups of ~7 KB: the average passes 4 KB after ~13 groups.
  for (int g = 0; g < 30; ++g) append(8, 900);
  log_->WaitForPreparation();
  const SegmentLogStats bulk_start = log_->stats();
  for (int g = 0; g < 60; ++g) append(8, 900);
  const SegmentLogStats bulk_end = log_->stats();
  EXPECT_GE(bulk_end.rolls - bulk_start.rolls, 5u);
  // At most the file that was already prepared before is used.
  EXPECT_LE(bulk_end.prepared_rolls - bulk_start.prepared_rolls, 1u);
  log_->WaitForPreparation();
  EXPECT_FALSE(std::filesystem::exists(Path(SegmentPreparer::kFileName)));

  // Small groups: once the average is below 4 KB again a file is
  // prepared, and from then on every roll finds one.
  for (int g = 0; g < 12; ++g) append(1, 100);
  log_->WaitForPreparation();
  EXPECT_TRUE(std::filesystem::exists(Path(SegmentPreparer::kFileName)));
  const SegmentLogStats small_start = log_->stats();
  for (int g = 0; g < 1200; ++g) {
    log_->WaitForPreparation();
    append(1, 250);
  }
  const SegmentLogStats small_end = log_->stats();
  EXPECT_GE(small_end.rolls - small_start.rolls, 3u);
  EXPECT_EQ(small_end.prepared_rolls - small_start.prepared_rolls,
            small_end.rolls - small_start.rolls);

  std::vector<std::pair<uint64_t, std::string>> all = ScanAll();
  ASSERT_EQ(all.size(), i);
  for (size_t k = 0; k < all.size(); ++k) ASSERT_EQ(all[k].first, k + 1);
}

TEST_F(SegmentLogTest, WithoutSyncNothingIsPrepared) {
  SegmentLogOptions options = Small(Options());
  options.sync = false;
  ASSERT_TRUE(Reopen(options).ok());
  for (uint64_t i = 1; i <= 400; ++i) {
    ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(i, 250)}).ok());
  }
  EXPECT_GE(log_->stats().rolls, 2u);
  EXPECT_EQ(log_->stats().prepared_rolls, 0u);
  EXPECT_FALSE(std::filesystem::exists(Path(SegmentPreparer::kFileName)));
}

}  // namespace
}  // namespace riskflow::log::segment
