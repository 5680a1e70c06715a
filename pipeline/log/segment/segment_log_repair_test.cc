// SegmentLog on open: torn tails repaired, corruption anywhere else refused
// with file and offset, persisted indexes trusted only when they check out.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/segment/segment_log_test_fixture.h"

namespace riskflow::log::segment {
namespace {

using ::testing::HasSubstr;

TEST_F(SegmentLogTest, TornTailAtEveryByteOfTheLastRecord) {
  SegmentLogOptions options = Options();
  ASSERT_TRUE(Reopen(options).ok());
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(1), Payload(2)}).ok());
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(3, 70)}).ok());
  log_.reset();
  const std::string path = Path("00000000000000000001.seg");
  const std::string full = ReadFile(path);
  const size_t last_start = 2 * (8 + 40);
  ASSERT_EQ(full.size(), last_start + 8 + 70);
  for (size_t cut = last_start; cut < full.size(); ++cut) {
    WriteFile(path, full.substr(0, cut));
    ASSERT_TRUE(Reopen(options).ok()) << "cut at " << cut;
    EXPECT_EQ(log_->next_sequence(), 3u) << "cut at " << cut;
    const OpenReport& report = log_->open_report();
    EXPECT_EQ(report.truncated_tail, cut > last_start) << "cut at " << cut;
    if (cut > last_start) {
      EXPECT_EQ(report.truncated_offset, last_start);
      EXPECT_EQ(report.truncated_bytes, cut - last_start);
      EXPECT_THAT(report.truncated_reason, HasSubstr("partial"));
    }
    EXPECT_EQ(std::filesystem::file_size(path), last_start);
    auto records = ScanAll();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[1].second, Payload(2));
  }
  // After the last repair, the log continues at sequence 3.
  EXPECT_EQ(*log_->Append(std::vector<std::string>{"again"}), 3u);
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_FALSE(log_->open_report().truncated_tail);
  EXPECT_EQ(ScanAll().back().second, "again");
  absl::MutexLock lock(&lines_mu_);
  EXPECT_EQ(lines_.size(), full.size() - last_start - 1);
  EXPECT_THAT(lines_.back(), HasSubstr("torn tail"));
  EXPECT_THAT(lines_.back(), HasSubstr("from sequence 3"));
}

// A crash can leave the last group's bytes garbled or zero-filled rather
// than short; within one group's reach of the end that is a torn tail too.
TEST_F(SegmentLogTest, CrcBadOrZeroedTailIsTruncated) {
  SegmentLogOptions options = Options();
  ASSERT_TRUE(Reopen(options).ok());
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(1), Payload(2)}).ok());
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(3), Payload(4)}).ok());
  log_.reset();
  const std::string path = Path("00000000000000000001.seg");
  const std::string full = ReadFile(path);
  const size_t group2 = 2 * 48;

  std::string garbled = full;
  garbled[group2 + 8 + 5] ^= 0x40;  // record 3's payload
  WriteFile(path, garbled);
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->next_sequence(), 3u);
  EXPECT_THAT(log_->open_report().truncated_reason, HasSubstr("CRC32C"));
  EXPECT_EQ(log_->open_report().truncated_bytes, 96u);

  // Zeros after the last whole record hold no record: the rest of a
  // prepared file (segment_preparer.h), or a size that outran its data at
  // a crash. Kept, and the next append overwrites them.
  log_.reset();
  WriteFile(path, full + std::string(4096, '\0'));
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->next_sequence(), 5u);
  EXPECT_FALSE(log_->open_report().truncated_tail);
  EXPECT_EQ(std::filesystem::file_size(path), full.size() + 4096);
  EXPECT_EQ(*log_->Append(std::vector<std::string>{Payload(5)}), 5u);
  EXPECT_EQ(std::filesystem::file_size(path), full.size() + 4096);
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->next_sequence(), 6u);
  EXPECT_EQ(ScanAll().back().second, Payload(5));
}

// A torn write inside a prepared file: garbage right after the last
// record, zeros after it. Within one group's reach it is cut off; further
// than that it cannot be a torn write.
TEST_F(SegmentLogTest, TornWriteInsideAPreparedFile) {
  SegmentLogOptions options = Options();
  options.max_group_bytes = 1024;
  ASSERT_TRUE(Reopen(options).ok());
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(1), Payload(2)}).ok());
  log_.reset();
  const std::string path = Path("00000000000000000001.seg");
  const std::string full = ReadFile(path);

  std::string torn = full + "\x30\x00\x00\x00garbage" + std::string(8192, '\0');
  WriteFile(path, torn);
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->next_sequence(), 3u);
  EXPECT_TRUE(log_->open_report().truncated_tail);
  EXPECT_EQ(log_->open_report().truncated_offset, full.size());
  EXPECT_EQ(std::filesystem::file_size(path), full.size());

  log_.reset();
  std::string far = full + std::string(4096, '\0') + "stray bytes";
  WriteFile(path, far);
  absl::Status s = Reopen(options);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a torn tail"));
}

// Corruption that cannot be a torn write is an error naming file and
// offset; nothing is repaired or skipped.
TEST_F(SegmentLogTest, CorruptionInTheMiddleIsAnError) {
  SegmentLogOptions options = Options();
  options.max_group_bytes = 1024;
  options.segment_bytes = 4000;
  ASSERT_TRUE(Reopen(options).ok());
  for (int i = 1; i <= 150; ++i) {
    ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(i)}).ok());
  }
  log_.reset();
  // 48 bytes per record: segments of 83 records (3984 bytes) from 1, 84.
  ASSERT_EQ(SegmentFiles(),
            (std::vector<std::string>{"00000000000000000001.seg",
                                      "00000000000000000084.seg"}));
  const std::string last = Path("00000000000000000084.seg");
  const std::string last_bytes = ReadFile(last);
  // Record 90 lies 6 records into the last segment, far from its end.
  std::string bad = last_bytes;
  bad[6 * 48 + 8 + 3] ^= 1;
  WriteFile(last, bad);
  auto opened = SegmentLog::Open(dir_, options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr(absl::StrCat(last, " is corrupt at offset 288")));
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("sequence 90"));
  EXPECT_EQ(ReadFile(last), bad) << "a corrupt file must not be repaired";
  WriteFile(last, last_bytes);

  // In a sealed segment even the very last record is not a torn tail. (Open
  // reads sealed segments record by record only without index files; with
  // them, readers find it: below.)
  const std::string first = Path("00000000000000000001.seg");
  std::string sealed = ReadFile(first);
  sealed[sealed.size() - 1] ^= 1;
  WriteFile(first, sealed);
  SegmentLogOptions full_scan = options;
  full_scan.persist_index = false;
  opened = SegmentLog::Open(dir_, full_scan);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr(absl::StrCat(first, " is corrupt at offset 3936")));
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("not the last segment"));
  sealed[sealed.size() - 1] ^= 1;
  WriteFile(first, sealed);
  ASSERT_TRUE(Reopen(options).ok());

  // Corruption that open did not read (an indexed sealed segment), or that
  // appeared while the log is open, is found by readers.
  EXPECT_EQ(log_->open_report().index_files_used, 1u);
  bad = ReadFile(first);
  bad[10 * 48 + 9] ^= 1;  // record 11
  WriteFile(first, bad);
  absl::Status s = log_->Scan(1, [](uint64_t, std::string_view) { return true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), HasSubstr("offset 480"));
  EXPECT_EQ(log_->Read(11).status().code(), absl::StatusCode::kDataLoss);
}

// Sealed segments' indexes are persisted at roll and taken on open instead
// of a scan; a damaged or stale one is ignored and rebuilt.
TEST_F(SegmentLogTest, PersistedIndexFiles) {
  SegmentLogOptions options = Options();
  options.segment_bytes = 1000;
  options.index_every_records = 2;
  ASSERT_TRUE(Reopen(options).ok());
  for (int a = 0; a < 10; ++a) {
    std::vector<std::string> payloads;
    for (int r = 0; r < 5; ++r) payloads.push_back(Payload(a * 5 + r + 1, 48));
    ASSERT_TRUE(log_->Append(payloads).ok());
  }
  // Every sealed segment has one; the active one has none.
  EXPECT_EQ(SegmentFiles(".idx"),
            (std::vector<std::string>{"00000000000000000001.idx",
                                      "00000000000000000016.idx",
                                      "00000000000000000031.idx"}));
  auto check = [&] {
    auto records = ScanAll();
    ASSERT_EQ(records.size(), 50u);
    for (uint64_t seq = 1; seq <= 50; ++seq) {
      EXPECT_EQ(**log_->Read(seq), Payload(seq, 48)) << seq;
    }
  };
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->open_report().index_files_used, 3u);
  EXPECT_EQ(log_->open_report().segments_scanned, 1u);
  check();

  // A torn index file: ignored (logged), the segment scanned, the file
  // rewritten.
  const std::string idx = Path("00000000000000000016.idx");
  const std::string good = ReadFile(idx);
  WriteFile(idx, good.substr(0, good.size() - 3));
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->open_report().index_files_used, 2u);
  EXPECT_EQ(log_->open_report().segments_scanned, 2u);
  EXPECT_EQ(ReadFile(idx), good);
  check();
  {
    absl::MutexLock lock(&lines_mu_);
    ASSERT_FALSE(lines_.empty());
    EXPECT_THAT(lines_.back(), HasSubstr("ignoring " + idx));
  }
  // A missing one is rebuilt too.
  ASSERT_TRUE(std::filesystem::remove(idx));
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->open_report().segments_scanned, 2u);
  EXPECT_TRUE(std::filesystem::exists(idx));

  // A sealed segment cut short no longer matches its index: it is scanned,
  // and the partial record in a sealed segment is an error.
  log_.reset();
  const std::string seg = Path("00000000000000000016.seg");
  const std::string seg_bytes = ReadFile(seg);
  WriteFile(seg, seg_bytes.substr(0, seg_bytes.size() - 10));
  auto opened = SegmentLog::Open(dir_, options);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr(seg + " is corrupt at offset 784"));
  WriteFile(seg, seg_bytes);

  // Retention takes the index files with their segments.
  ASSERT_TRUE(Reopen(options).ok());
  RetentionPolicy policy;
  policy.max_total_bytes = 0;
  ASSERT_TRUE(log_->EnforceRetention(policy, UINT64_MAX, absl::Now()).ok());
  EXPECT_TRUE(SegmentFiles(".idx").empty());
  EXPECT_EQ(SegmentFiles().size(), 1u);
}

// Readers run while appenders write and roll segments: every scan sees a
// dense prefix of durable records with the right payloads, never a record
// that is still being written.
TEST_F(SegmentLogTest, MissingMiddleSegmentIsAnError) {
  SegmentLogOptions options = Options();
  options.segment_bytes = 1000;
  ASSERT_TRUE(Reopen(options).ok());
  for (int a = 0; a < 10; ++a) {
    std::vector<std::string> payloads;
    for (int r = 0; r < 5; ++r) payloads.push_back(Payload(a * 5 + r + 1, 48));
    ASSERT_TRUE(log_->Append(payloads).ok());
  }
  log_.reset();
  ASSERT_TRUE(std::filesystem::remove(Path("00000000000000000016.seg")));
  auto opened = SegmentLog::Open(dir_, options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("00000000000000000031.seg starts at sequence 31"));
}

// Read and Scan seek through the sparse index: every sequence is found
// exactly, from the live index and from the one rebuilt on open.

}  // namespace
}  // namespace riskflow::log::segment
