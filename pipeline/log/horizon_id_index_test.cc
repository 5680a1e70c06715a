// The segment log's idempotency index: bounded by its horizon, checkpointed
// in chunk files, rebuilt from them plus a scan of the log's tail.
#include "pipeline/log/horizon_id_index.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace riskflow::log {
namespace {

IdFingerprint Fp(uint64_t seq) {
  return FingerprintId("card", absl::StrCat("id-", seq));
}
uint64_t Hash(uint64_t seq) { return seq * 1000003; }

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "/horizon_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

class HorizonIdIndexTest : public ::testing::Test {
 protected:
  HorizonIdIndexOptions Options(uint64_t horizon, uint64_t chunk) {
    HorizonIdIndexOptions o;
    o.horizon_events = horizon;
    o.chunk_events = chunk;
    o.checkpoint_dir = dir_ + "/ids";
    o.log_line = [this](const std::string& line) { lines_.push_back(line); };
    return o;
  }
  // A log holding ids 1..last: the scan Rebuild falls back to.
  HorizonIdIndex::ScanLog Log(uint64_t last) {
    return [this, last](uint64_t after, const HorizonIdIndex::Visit& visit) {
      scanned_from_ = after + 1;
      for (uint64_t s = after + 1; s <= last; ++s) visit(s, Fp(s), Hash(s));
      return absl::OkStatus();
    };
  }
  void ExpectKnows(const HorizonIdIndex& index, uint64_t from, uint64_t to) {
    for (uint64_t s = from; s <= to; ++s) {
      auto e = index.Lookup(Fp(s));
      ASSERT_TRUE(e.has_value()) << s;
      EXPECT_EQ(e->sequence, s);
      EXPECT_EQ(e->content_hash, Hash(s));
    }
  }
  void ExpectForgot(const HorizonIdIndex& index, uint64_t from, uint64_t to) {
    for (uint64_t s = from; s <= to; ++s) {
      EXPECT_FALSE(index.Lookup(Fp(s)).has_value()) << s;
    }
  }
  std::vector<std::string> Files() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/ids")) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir_ = TempDir();
  std::vector<std::string> lines_;
  uint64_t scanned_from_ = 0;
};

TEST_F(HorizonIdIndexTest, RemembersExactlyTheHorizon) {
  HorizonIdIndex index(Options(10, 4));
  ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
  for (uint64_t s = 1; s <= 25; ++s) index.Append(s, Fp(s), Hash(s));
  // Ids of the last 10 events (16..25) are known, older ones are not.
  ExpectForgot(index, 1, 15);
  ExpectKnows(index, 16, 25);
  EXPECT_EQ(index.size(), 10u);
  EXPECT_EQ(index.last_sequence(), 25u);
}

TEST_F(HorizonIdIndexTest, RebuildsFromChunkFilesPlusTheLogTail) {
  {
    HorizonIdIndex index(Options(100, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 18; ++s) index.Append(s, Fp(s), Hash(s));
    // No Checkpoint(): as after a kill -9, only sealed chunks (1..16) are
    // on disk once the destructor has finished the queued writes.
  }
  EXPECT_EQ(Files(), (std::vector<std::string>{
                         "00000000000000000000.ids", "00000000000000000001.ids",
                         "00000000000000000002.ids", "00000000000000000003.ids"}));
  HorizonIdIndex index(Options(100, 4));
  auto report = index.Rebuild(1, 18, Log(18));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->from_checkpoint, 16u);
  EXPECT_EQ(report->files_used, 4u);
  EXPECT_EQ(report->scanned, 2u);
  EXPECT_EQ(scanned_from_, 17u);
  ExpectKnows(index, 1, 18);
  index.Append(19, Fp(19), Hash(19));
  ExpectKnows(index, 19, 19);
}

TEST_F(HorizonIdIndexTest, CheckpointCoversThePartialChunk) {
  {
    HorizonIdIndex index(Options(100, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 18; ++s) index.Append(s, Fp(s), Hash(s));
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  HorizonIdIndex index(Options(100, 4));
  auto report = index.Rebuild(1, 18, Log(18));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->from_checkpoint, 18u);
  EXPECT_EQ(report->scanned, 0u);
  ExpectKnows(index, 1, 18);
  // The partial chunk grows on and is written again when sealed.
  for (uint64_t s = 19; s <= 21; ++s) index.Append(s, Fp(s), Hash(s));
  ASSERT_TRUE(index.Checkpoint().ok());
  HorizonIdIndex again(Options(100, 4));
  report = again.Rebuild(1, 21, Log(21));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->from_checkpoint, 21u);
  ExpectKnows(again, 1, 21);
}

TEST_F(HorizonIdIndexTest, RebuildWithoutCheckpointScansOnlyTheHorizon) {
  HorizonIdIndexOptions o = Options(10, 4);
  o.checkpoint_dir.clear();
  HorizonIdIndex index(o);
  auto report = index.Rebuild(1, 50, Log(50));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(scanned_from_, 41u);
  EXPECT_EQ(report->scanned, 10u);
  ExpectForgot(index, 1, 40);
  ExpectKnows(index, 41, 50);
}

// The table starts small and doubles as appends arrive, but a rebuild
// sizes it once for the ids it loads; appends past the horizon then evict
// across later doublings as before.
TEST_F(HorizonIdIndexTest, TableGrowsWithAppendsAndRebuildSizesItOnce) {
  HorizonIdIndexOptions o = Options(3000, 256);
  o.initial_table_entries = 6;  // 8 slots
  {
    HorizonIdIndex index(o);
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    EXPECT_EQ(index.table().capacity(), 8u);
    for (uint64_t s = 1; s <= 4000; ++s) index.Append(s, Fp(s), Hash(s));
    EXPECT_EQ(index.table().growths(), 9u);  // 8 -> 4096 slots
    EXPECT_EQ(index.size(), 3000u);
    ExpectForgot(index, 1, 1000);
    ExpectKnows(index, 1001, 4000);
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  HorizonIdIndex index(o);
  auto report = index.Rebuild(1, 4000, Log(4000));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(index.table().capacity(), 4096u);
  EXPECT_EQ(index.table().growths(), 0u);
  ExpectForgot(index, 1, 1000);
  ExpectKnows(index, 1001, 4000);
}

// The table's next doubling is faulted in by the index's own thread, so the
// log writer's Append does not pay for it (horizon_id_table.h).
TEST_F(HorizonIdIndexTest, ADoublingTakesTheTableItsThreadPrepared) {
  HorizonIdIndexOptions o = Options(3000, 256);
  o.initial_table_entries = 96;  // 128 slots: asks for 256 after 72 ids
  HorizonIdIndex index(o);
  ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
  ASSERT_EQ(index.table().capacity(), 128u);
  for (uint64_t s = 1; s <= 80; ++s) index.Append(s, Fp(s), Hash(s));
  // Checkpoint waits until the thread has drained its queue, the spare too.
  ASSERT_TRUE(index.Checkpoint().ok());
  EXPECT_TRUE(index.table().spare_ready());
  EXPECT_EQ(index.table().memory_bytes(), (128u + 256u) * sizeof(uint64_t));
  for (uint64_t s = 81; s <= 100; ++s) index.Append(s, Fp(s), Hash(s));
  EXPECT_EQ(index.table().capacity(), 256u);
  EXPECT_EQ(index.table().growths(), 1u);
  EXPECT_EQ(index.table().growths_with_spare(), 1u);
  ExpectKnows(index, 1, 100);
  // At a stop the next one is not kept: a request is open again (200 of
  // 256 slots used), and withdrawing it drops the table whether or not the
  // thread got to it first.
  for (uint64_t s = 101; s <= 200; ++s) index.Append(s, Fp(s), Hash(s));
  index.WithdrawSpare();
  ASSERT_TRUE(index.Checkpoint().ok());
  EXPECT_FALSE(index.table().spare_ready());
}

TEST_F(HorizonIdIndexTest, HorizonAppliesToCheckpointedIdsAndDropsOldFiles) {
  {
    HorizonIdIndex index(Options(1000, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 30; ++s) index.Append(s, Fp(s), Hash(s));
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  // Reopened with a horizon of 10: ids 1..20 are beyond it.
  HorizonIdIndex index(Options(10, 4));
  auto report = index.Rebuild(1, 30, Log(30));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->scanned, 0u);
  ExpectForgot(index, 1, 20);
  ExpectKnows(index, 21, 30);
  // Chunks 0..4 (sequences 1..20) lie wholly before the horizon.
  EXPECT_EQ(Files().front(), "00000000000000000005.ids");
  // Appends move the horizon and delete whole chunks' files behind it.
  for (uint64_t s = 31; s <= 45; ++s) index.Append(s, Fp(s), Hash(s));
  ASSERT_TRUE(index.Checkpoint().ok());
  ExpectForgot(index, 1, 35);
  ExpectKnows(index, 36, 45);
  EXPECT_EQ(Files().front(), "00000000000000000008.ids");
}

TEST_F(HorizonIdIndexTest, TornChunkFileIsReadFromTheLogInstead) {
  {
    HorizonIdIndex index(Options(100, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 12; ++s) index.Append(s, Fp(s), Hash(s));
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  const std::string torn = dir_ + "/ids/00000000000000000001.ids";
  std::filesystem::resize_file(torn, std::filesystem::file_size(torn) - 3);
  HorizonIdIndex index(Options(100, 4));
  auto report = index.Rebuild(1, 12, Log(12));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->files_used, 1u);
  EXPECT_EQ(report->from_checkpoint, 4u);
  EXPECT_EQ(scanned_from_, 5u);
  ExpectKnows(index, 1, 12);
  ASSERT_FALSE(lines_.empty());
  EXPECT_NE(lines_.front().find("00000000000000000001.ids"), std::string::npos)
      << lines_.front();
}

TEST_F(HorizonIdIndexTest, FilesBeyondTheLogAreNotTrusted) {
  {
    HorizonIdIndex index(Options(100, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 12; ++s) index.Append(s, Fp(s), Hash(s));
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  HorizonIdIndex index(Options(100, 4));
  auto report = index.Rebuild(1, 6, Log(6));
  ASSERT_TRUE(report.ok()) << report.status();
  ExpectKnows(index, 1, 6);
  ExpectForgot(index, 7, 12);
  index.Append(7, Fp(70), Hash(70));
  EXPECT_EQ(index.Lookup(Fp(70))->sequence, 7u);
}

// The event log gives the index a group's ids when the group is written,
// before it is durable (docs/segment-log.md, "Concurrent syncs"), so a
// chunk file can hold ids of records a crash then took. Their sequences go
// to other events after the restart; the file must never be read again.
TEST_F(HorizonIdIndexTest, IdsLostWithTheLogTailAreNotReadOnceReused) {
  {
    HorizonIdIndex index(Options(100, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 12; ++s) index.Append(s, Fp(s), Hash(s));
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  // The log kept only 1..6; 7..12 now go to other ids (kill -9 after).
  auto reused = [](uint64_t s) { return s <= 6 ? Fp(s) : Fp(100 + s); };
  {
    HorizonIdIndex index(Options(100, 4));
    ASSERT_TRUE(index.Rebuild(1, 6, Log(6)).ok());
    for (uint64_t s = 7; s <= 12; ++s) index.Append(s, reused(s), Hash(s));
  }
  HorizonIdIndex index(Options(100, 4));
  auto scan = [&](uint64_t after, const HorizonIdIndex::Visit& visit) {
    for (uint64_t s = after + 1; s <= 12; ++s) visit(s, reused(s), Hash(s));
    return absl::OkStatus();
  };
  ASSERT_TRUE(index.Rebuild(1, 12, scan).ok());
  for (uint64_t s = 7; s <= 12; ++s) {
    EXPECT_FALSE(index.Lookup(Fp(s)).has_value()) << "stale id of " << s;
    auto e = index.Lookup(reused(s));
    ASSERT_TRUE(e.has_value()) << s;
    EXPECT_EQ(e->sequence, s);
  }
}

TEST_F(HorizonIdIndexTest, ARepeatedIdKeepsItsFirstSequence) {
  HorizonIdIndex index(Options(3, 1));
  ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
  index.Append(1, Fp(1), Hash(1));
  index.Append(2, Fp(2), Hash(2));
  index.Append(3, Fp(3), Hash(3));
  index.Append(4, Fp(4), Hash(4));  // 1 falls out of the horizon
  EXPECT_FALSE(index.Lookup(Fp(1)).has_value());
  // Re-sent beyond the horizon, id 1 is logged anew at 5 ...
  index.Append(5, Fp(1), 77);
  EXPECT_EQ(index.Lookup(Fp(1))->sequence, 5u);
  EXPECT_EQ(index.Lookup(Fp(1))->content_hash, 77u);
  // ... and stays known until 5 itself leaves the horizon.
  index.Append(6, Fp(6), Hash(6));
  index.Append(7, Fp(7), Hash(7));
  EXPECT_EQ(index.Lookup(Fp(1))->sequence, 5u);
  index.Append(8, Fp(8), Hash(8));
  EXPECT_FALSE(index.Lookup(Fp(1)).has_value());
}

// Generations: the ids live in sequence-ordered chunks (chunk_events each)
// and one fixed table; these cover ids whose entries sit in old chunks.

TEST_F(HorizonIdIndexTest, DuplicateFoundInTheOldestLiveChunk) {
  HorizonIdIndex index(Options(40, 4));
  ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
  for (uint64_t s = 1; s <= 50; ++s) index.Append(s, Fp(s), Hash(s));
  // 11..50 live; 11 is in chunk (8, 12], ten chunks back.
  auto e = index.Lookup(Fp(11));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->sequence, 11u);
  EXPECT_EQ(e->content_hash, Hash(11));
  ExpectForgot(index, 1, 10);
  ExpectKnows(index, 11, 50);
  EXPECT_EQ(index.size(), 40u);
}

TEST_F(HorizonIdIndexTest, ForgottenExactlyAtTheHorizonAtEveryStep) {
  // The horizon is not a multiple of the chunk: eviction runs mid-chunk.
  HorizonIdIndex index(Options(10, 3));
  ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
  for (uint64_t s = 1; s <= 60; ++s) {
    index.Append(s, Fp(s), Hash(s));
    const uint64_t oldest = s > 10 ? s - 9 : 1;
    if (oldest > 1) ExpectForgot(index, oldest - 1, oldest - 1);
    ExpectKnows(index, oldest, oldest);  // the edge itself
    ExpectKnows(index, s, s);
    ASSERT_EQ(index.size(), s - oldest + 1) << s;
  }
  ExpectForgot(index, 1, 50);
  ExpectKnows(index, 51, 60);
}

TEST_F(HorizonIdIndexTest, RebuildAcrossChunksThenKeepsForgetting) {
  {
    HorizonIdIndex index(Options(20, 4));
    ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
    for (uint64_t s = 1; s <= 37; ++s) index.Append(s, Fp(s), Hash(s));
    ASSERT_TRUE(index.Checkpoint().ok());
  }
  // The log went on to 45 after the checkpoint (as after a kill -9).
  HorizonIdIndex index(Options(20, 4));
  auto report = index.Rebuild(1, 45, Log(45));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->from_checkpoint, 37u - 26 + 1);  // 26..37 from files
  EXPECT_EQ(report->scanned, 8u);                    // 38..45 from the log
  ExpectForgot(index, 1, 25);
  ExpectKnows(index, 26, 45);
  for (uint64_t s = 46; s <= 53; ++s) index.Append(s, Fp(s), Hash(s));
  ExpectForgot(index, 1, 33);
  ExpectKnows(index, 34, 53);
  EXPECT_EQ(index.size(), 20u);
}

TEST_F(HorizonIdIndexTest, ChangedContentIsSeenInAnOldChunk) {
  // What EventLog reports as Conflict::kResend: the id is found, with the
  // content hash of its first send, however many chunks back it is.
  HorizonIdIndex index(Options(1000, 2));
  ASSERT_TRUE(index.Rebuild(1, 0, Log(0)).ok());
  for (uint64_t s = 1; s <= 999; ++s) index.Append(s, Fp(s), Hash(s));
  for (uint64_t s : {1u, 2u, 500u, 998u}) {
    auto e = index.Lookup(Fp(s));
    ASSERT_TRUE(e.has_value()) << s;
    EXPECT_EQ(e->content_hash, Hash(s));
    EXPECT_NE(e->content_hash, Hash(s) + 1);  // a re-send with other content
  }
}

}  // namespace
}  // namespace riskflow::log
