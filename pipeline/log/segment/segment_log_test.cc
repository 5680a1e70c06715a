// SegmentLog: append, group commit, roll, retention, reads and scans.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/segment/segment_log_test_fixture.h"

namespace riskflow::log::segment {
namespace {

using ::testing::HasSubstr;

TEST_F(SegmentLogTest, AppendScanReadReopen) {
  ASSERT_TRUE(Reopen(Options()).ok());
  EXPECT_EQ(log_->next_sequence(), 1u);
  EXPECT_TRUE(ScanAll().empty());
  std::vector<std::string> all;
  for (int batch = 0; batch < 5; ++batch) {
    std::vector<std::string> payloads;
    for (int i = 0; i < 3; ++i) payloads.push_back(Payload(all.size() + i + 1));
    auto first = log_->Append(payloads);
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(*first, all.size() + 1);
    all.insert(all.end(), payloads.begin(), payloads.end());
  }
  EXPECT_EQ(log_->next_sequence(), 16u);
  EXPECT_EQ(SegmentFiles(),
            std::vector<std::string>{"00000000000000000001.seg"});

  for (int round = 0; round < 2; ++round) {
    auto records = ScanAll();
    ASSERT_EQ(records.size(), all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(records[i].first, i + 1);
      EXPECT_EQ(records[i].second, all[i]);
      auto read = log_->Read(i + 1);
      ASSERT_TRUE(read.ok());
      ASSERT_TRUE(read->has_value());
      EXPECT_EQ(**read, all[i]);
    }
    EXPECT_FALSE(log_->Read(0)->has_value());
    EXPECT_FALSE(log_->Read(16)->has_value());
    ASSERT_TRUE(Reopen(Options()).ok());
    EXPECT_EQ(log_->open_report().records, 15u);
    EXPECT_FALSE(log_->open_report().truncated_tail);
  }
  // Appends continue the sequence after a reopen.
  auto next = log_->Append(std::vector<std::string>{"after reopen"});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 16u);
  EXPECT_EQ(ScanAll(16).at(0).second, "after reopen");
  // The on-disk framing is [len][crc][payload], little endian.
  const std::string file = ReadFile(Path("00000000000000000001.seg"));
  ASSERT_GE(file.size(), 8 + all[0].size());
  EXPECT_EQ(GetU32(file.data()), all[0].size());
  EXPECT_EQ(GetU32(file.data() + 4), Crc32c(all[0]));
  EXPECT_EQ(file.substr(8, all[0].size()), all[0]);
}

TEST_F(SegmentLogTest, RefusesEmptyAndOversizedAppends) {
  SegmentLogOptions options = Options();
  options.max_record_bytes = 100;
  options.max_group_bytes = 1000;
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->Append(std::vector<std::string>{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Append(std::vector<std::string>{"a", ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Append(std::vector<std::string>{std::string(101, 'x')})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Append(std::vector<std::string>(20, std::string(60, 'x')))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->next_sequence(), 1u);
  EXPECT_TRUE(log_->Append(std::vector<std::string>{"ok"}).ok());
}

// Many threads append at once: every record is logged exactly once, the
// sequences are dense, each caller's sequence points at its own records,
// and the leader batched callers into fewer fdatasyncs than appends.
TEST_F(SegmentLogTest, GroupCommitFromManyThreads) {
  ASSERT_TRUE(Reopen(Options()).ok());
  constexpr int kThreads = 8;
  constexpr int kAppends = 60;
  struct Done {
    uint64_t first;
    std::vector<std::string> payloads;
  };
  std::vector<std::vector<Done>> done(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int a = 0; a < kAppends; ++a) {
        std::vector<std::string> payloads;
        for (int r = 0; r < 1 + (a % 4); ++r) {
          payloads.push_back(absl::StrCat("t", t, "-a", a, "-r", r));
        }
        auto first = log_->Append(payloads);
        ASSERT_TRUE(first.ok()) << first.status();
        done[t].push_back({*first, std::move(payloads)});
      }
    });
  }
  for (auto& th : threads) th.join();

  std::map<uint64_t, std::string> expected;
  for (const auto& per_thread : done) {
    for (const Done& d : per_thread) {
      for (size_t r = 0; r < d.payloads.size(); ++r) {
        ASSERT_TRUE(expected.emplace(d.first + r, d.payloads[r]).second)
            << "sequence " << d.first + r << " handed out twice";
      }
    }
  }
  auto check = [&] {
    auto records = ScanAll();
    ASSERT_EQ(records.size(), expected.size());
    std::set<std::string> seen;
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(records[i].first, i + 1) << "sequences are not dense";
      EXPECT_EQ(records[i].second, expected[i + 1]);
      EXPECT_TRUE(seen.insert(records[i].second).second);
    }
  };
  check();
  const SegmentLogStats stats = log_->stats();
  EXPECT_EQ(stats.appends, uint64_t{kThreads * kAppends});
  EXPECT_EQ(stats.records, expected.size());
  EXPECT_LT(stats.groups, stats.appends) << "no group held two appends";
  ASSERT_TRUE(Reopen(Options()).ok());
  check();
}

TEST_F(SegmentLogTest, RollsSegmentsNamedByFirstSequence) {
  SegmentLogOptions options = Options();
  options.segment_bytes = 1000;
  ASSERT_TRUE(Reopen(options).ok());
  // 48 + 8 framed bytes per record, 5 per append: 280 bytes per group, so
  // three groups fill a segment (a fourth would pass 1000).
  for (int a = 0; a < 10; ++a) {
    std::vector<std::string> payloads;
    for (int r = 0; r < 5; ++r) payloads.push_back(Payload(a * 5 + r + 1, 48));
    ASSERT_TRUE(log_->Append(payloads).ok());
  }
  EXPECT_EQ(SegmentFiles(),
            (std::vector<std::string>{"00000000000000000001.seg",
                                      "00000000000000000016.seg",
                                      "00000000000000000031.seg",
                                      "00000000000000000046.seg"}));
  EXPECT_EQ(log_->stats().rolls, 4u);  // the first segment counts as one
  for (int round = 0; round < 2; ++round) {
    auto records = ScanAll();
    ASSERT_EQ(records.size(), 50u);
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(records[i].second, Payload(i + 1, 48));
    }
    EXPECT_EQ(**log_->Read(16), Payload(16, 48));
    EXPECT_EQ(**log_->Read(15), Payload(15, 48));
    EXPECT_EQ(ScanAll(30).front().second, Payload(30, 48));
    ASSERT_TRUE(Reopen(options).ok());
    EXPECT_EQ(log_->open_report().segments, 4u);
  }
  // The reopened last segment (280 + 280 bytes) is still the active one.
  ASSERT_TRUE(log_->Append(std::vector<std::string>{Payload(51, 48)}).ok());
  EXPECT_EQ(SegmentFiles().size(), 4u);
}

TEST_F(SegmentLogTest, RetentionBySizeKeepsActiveAndCheckpointFloor) {
  SegmentLogOptions options = Options();
  options.segment_bytes = 1000;
  ASSERT_TRUE(Reopen(options).ok());
  for (int a = 0; a < 10; ++a) {
    std::vector<std::string> payloads;
    for (int r = 0; r < 5; ++r) payloads.push_back(Payload(a * 5 + r + 1, 48));
    ASSERT_TRUE(log_->Append(payloads).ok());
  }
  // Segments: [1,16) [16,31) [31,46) [46,51), 840/840/840/280 bytes.
  ASSERT_EQ(log_->total_bytes(), 2800u);
  RetentionPolicy by_size;
  by_size.max_total_bytes = 0;  // as small as it gets
  // The checkpoint floor 20 lies in the second segment: only the first goes.
  auto r = log_->EnforceRetention(by_size, 20, absl::Now());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->segments_deleted, 1u);
  EXPECT_EQ(r->bytes_deleted, 840u);
  EXPECT_EQ(r->first_sequence, 16u);
  EXPECT_EQ(log_->first_sequence(), 16u);
  // A floor exactly at a segment's start lets the one before it go.
  r = log_->EnforceRetention(by_size, 31, absl::Now());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segments_deleted, 1u);
  EXPECT_EQ(log_->first_sequence(), 31u);
  // No floor: everything but the active segment.
  r = log_->EnforceRetention(by_size, UINT64_MAX, absl::Now());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segments_deleted, 1u);
  EXPECT_EQ(SegmentFiles(),
            std::vector<std::string>{"00000000000000000046.seg"});
  EXPECT_EQ(log_->total_bytes(), 280u);
  // Under the limit: nothing goes.
  RetentionPolicy roomy;
  roomy.max_total_bytes = 1 << 20;
  EXPECT_EQ(log_->EnforceRetention(roomy, UINT64_MAX, absl::Now())
                ->segments_deleted,
            0u);

  // Readers see the cut, never a silent skip.
  EXPECT_FALSE(log_->Read(45)->has_value());
  EXPECT_EQ(**log_->Read(46), Payload(46, 48));
  absl::Status s = log_->Scan(1, [](uint64_t, std::string_view) { return true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("starts at sequence 46"));
  EXPECT_EQ(ScanAll(46).size(), 5u);
  {
    absl::MutexLock lock(&lines_mu_);
    ASSERT_EQ(lines_.size(), 3u);
    EXPECT_THAT(lines_[0], HasSubstr("00000000000000000001.seg"));
    EXPECT_THAT(lines_[0], HasSubstr("sequences 1..15"));
  }
  // Reopen: the log starts at 46 and continues at 51.
  ASSERT_TRUE(Reopen(options).ok());
  EXPECT_EQ(log_->first_sequence(), 46u);
  EXPECT_EQ(*log_->Append(std::vector<std::string>{"x"}), 51u);
}

TEST_F(SegmentLogTest, RetentionByAge) {
  SegmentLogOptions options = Options();
  options.segment_bytes = 1000;
  ASSERT_TRUE(Reopen(options).ok());
  for (int a = 0; a < 10; ++a) {
    std::vector<std::string> payloads;
    for (int r = 0; r < 5; ++r) payloads.push_back(Payload(a * 5 + r + 1, 48));
    ASSERT_TRUE(log_->Append(payloads).ok());
  }
  // Make the first segment look two hours old, the others one hour.
  const absl::Time now = absl::Now();
  auto age = [&](const std::string& name, absl::Duration d) {
    const timespec t = absl::ToTimespec(now - d);
    const timespec times[2] = {t, t};
    ASSERT_EQ(utimensat(AT_FDCWD, Path(name).c_str(), times, 0), 0);
  };
  age("00000000000000000001.seg", absl::Hours(2));
  age("00000000000000000016.seg", absl::Hours(1));
  age("00000000000000000031.seg", absl::Hours(1));
  age("00000000000000000046.seg", absl::Hours(3));  // active: never deleted
  RetentionPolicy policy;
  policy.max_age = absl::Minutes(90);
  auto r = log_->EnforceRetention(policy, UINT64_MAX, now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segments_deleted, 1u);
  EXPECT_EQ(log_->first_sequence(), 16u);
  policy.max_age = absl::Minutes(30);
  // The floor (25) keeps the segment [16,31) and so everything after it.
  r = log_->EnforceRetention(policy, 25, now);
  EXPECT_EQ(r->segments_deleted, 0u);
  r = log_->EnforceRetention(policy, UINT64_MAX, now);
  EXPECT_EQ(r->segments_deleted, 2u);
  EXPECT_EQ(SegmentFiles(),
            std::vector<std::string>{"00000000000000000046.seg"});
}

// Cut the last record at every byte: reopening keeps exactly the complete
// records, reports what it cut, and the log takes appends again.
TEST_F(SegmentLogTest, ScanAndReadWhileAppending) {
  SegmentLogOptions options = Options();
  options.segment_bytes = 2000;
  options.index_every_records = 3;
  ASSERT_TRUE(Reopen(options).ok());
  constexpr int kWriters = 3;
  constexpr int kAppends = 80;
  std::atomic<bool> writing{true};
  // Sequences are known only once Append returns, so the payloads are
  // checked against what the writers recorded at the end.
  absl::Mutex mu;
  std::map<uint64_t, std::string> written;
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int a = 0; a < kAppends; ++a) {
        std::vector<std::string> payloads = {absl::StrCat("w", t, "-", a, "-x"),
                                             absl::StrCat("w", t, "-", a, "-y")};
        auto first = log_->Append(payloads);
        ASSERT_TRUE(first.ok()) << first.status();
        absl::MutexLock lock(&mu);
        written[*first] = payloads[0];
        written[*first + 1] = payloads[1];
      }
    });
  }
  int scans = 0;
  std::thread reader([&] {
    while (writing.load()) {
      const uint64_t durable = log_->next_sequence();
      uint64_t expect = 1;
      absl::Status s = log_->Scan(1, [&](uint64_t seq, std::string_view p) {
        EXPECT_EQ(seq, expect++);
        EXPECT_EQ(p.front(), 'w');
        return true;
      });
      ASSERT_TRUE(s.ok()) << s;
      EXPECT_GE(expect, durable) << "a scan missed durable records";
      if (durable > 1) {
        auto read = log_->Read(durable - 1);
        ASSERT_TRUE(read.ok()) << read.status();
        EXPECT_TRUE(read->has_value());
      }
      ++scans;
    }
  });
  for (auto& w : writers) w.join();
  writing = false;
  reader.join();
  EXPECT_GT(scans, 0);
  EXPECT_GT(log_->segment_count(), 2u);
  auto records = ScanAll();
  ASSERT_EQ(records.size(), written.size());
  for (const auto& [seq, payload] : records) EXPECT_EQ(payload, written[seq]);
}

TEST_F(SegmentLogTest, IndexSeeksToEverySequence) {
  SegmentLogOptions options = Options();
  options.index_every_records = 7;
  options.index_every_bytes = 500;
  options.segment_bytes = 20000;
  ASSERT_TRUE(Reopen(options).ok());
  std::mt19937 rng(3);
  std::vector<std::string> all;
  while (all.size() < 1200) {
    std::vector<std::string> payloads;
    const int n = 1 + static_cast<int>(rng() % 9);
    for (int i = 0; i < n; ++i) {
      payloads.push_back(Payload(all.size() + i + 1, 10 + rng() % 200));
    }
    ASSERT_TRUE(log_->Append(payloads).ok());
    all.insert(all.end(), payloads.begin(), payloads.end());
  }
  ASSERT_GT(log_->segment_count(), 3u);
  for (int round = 0; round < 2; ++round) {
    for (uint64_t seq = 1; seq <= all.size(); ++seq) {
      auto read = log_->Read(seq);
      ASSERT_TRUE(read.ok() && read->has_value()) << seq;
      ASSERT_EQ(**read, all[seq - 1]) << seq;
    }
    for (uint64_t from = 1; from <= all.size() + 1; from += 37) {
      std::vector<uint64_t> got;
      ASSERT_TRUE(log_->Scan(from, [&](uint64_t seq, std::string_view p) {
        EXPECT_EQ(p, all[seq - 1]);
        got.push_back(seq);
        return got.size() < 20;
      }).ok());
      const size_t want = std::min<size_t>(20, all.size() + 1 - from);
      ASSERT_EQ(got.size(), want) << from;
      for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], from + i);
    }
    ASSERT_TRUE(Reopen(options).ok());
  }
}

}  // namespace
}  // namespace riskflow::log::segment
