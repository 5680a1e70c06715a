// The event log on segment files: the dedupe horizon, the index rebuilt
// after a restart (from its checkpoint, or from the log alone as after a
// crash), and the guards that keep a data directory on one backend.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/event_log_harness.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;
using ::testing::HasSubstr;

class SegmentLogTest : public ::testing::Test, public EventLogHarness {
 protected:
  SegmentLogTest() {
    UseMode(kSegments);
    options_.dedupe_horizon_events = 5;
  }
  std::string IndexDir() const { return options_.segment_dir + "/id-index"; }
};

TEST_F(SegmentLogTest, ResendWithinTheHorizonIsADuplicateBeyondItNew) {
  OpenLog();
  Append({MakePayment("e1"), MakePayment("e2"), MakePayment("e3"), MakePayment("e4"),
          MakePayment("e5")});
  AppendOutcome out = Append({MakePayment("e1")});
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true}));
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{1}));
  // Five more events: e1 (sequence 1) is now older than the horizon.
  Append({MakePayment("e6"), MakePayment("e7"), MakePayment("e8"), MakePayment("e9"),
          MakePayment("e10")});
  out = Append({MakePayment("e1"), MakePayment("e6")});
  EXPECT_EQ(out.duplicate, (std::vector<bool>{false, true}));
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{11, 6}));
  auto seq = log_->LookupId("card", "e1");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->value_or(0), 11u);
}

// Param: whether the index checkpoint survives (a clean stop) or not (as
// if the process was killed before writing it; the log alone then).
class SegmentRestartTest : public SegmentLogTest,
                           public ::testing::WithParamInterface<bool> {};

TEST_P(SegmentRestartTest, IndexIsRebuiltWithContentHashes) {
  options_.dedupe_horizon_events = 1000;
  options_.id_index_chunk_events = 3;
  OpenLog();
  Event with_attributes = MakePayment("attrs");
  for (int i = 0; i < 20; ++i) {
    (*with_attributes.mutable_attributes())["k" + std::to_string(i)] = "v";
  }
  Append({MakePayment("a"), MakePayment("b"), with_attributes});
  for (int i = 0; i < 7; ++i) Append({MakePayment("n" + std::to_string(i))});
  CloseLog();
  const bool keep_checkpoint = GetParam();
  if (!keep_checkpoint) std::filesystem::remove_all(IndexDir());
  OpenLog();
  const IdIndexRebuildReport& report = log_->id_index_rebuild();
  EXPECT_EQ(report.from_checkpoint + report.scanned, 10u);
  EXPECT_EQ(report.scanned, keep_checkpoint ? 0u : 10u);
  // The same content, attributes inserted in another order: a duplicate.
  Event reordered = MakePayment("attrs");
  for (int i = 19; i >= 0; --i) {
    (*reordered.mutable_attributes())["k" + std::to_string(i)] = "v";
  }
  AppendOutcome out = Append({MakePayment("a"), reordered, MakePayment("b", 999),
                              MakePayment("c")});
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{1, 3, 2, 11}));
  EXPECT_EQ(out.conflict, (std::vector<Conflict>{Conflict::kNone,
                                                 Conflict::kNone,
                                                 Conflict::kResend,
                                                 Conflict::kNone}));
}

// The horizon spans many index chunks: a changed re-send of an id in the
// oldest live chunk is a kResend conflict, one just beyond it is new.
TEST_F(SegmentLogTest, ResendConflictIsFoundAcrossIndexChunks) {
  options_.dedupe_horizon_events = 16;
  options_.id_index_chunk_events = 4;
  OpenLog();
  for (int i = 0; i < 20; ++i) Append({MakePayment("e" + std::to_string(i))});
  // Sequences 5..20 (e4..e19) are within the horizon.
  AppendOutcome out = Append({MakePayment("e4", 999), MakePayment("e9", 999),
                              MakePayment("e19")});
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true, true, true}));
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{5, 10, 20}));
  EXPECT_EQ(out.conflict,
            (std::vector<Conflict>{Conflict::kResend, Conflict::kResend,
                                   Conflict::kNone}));
  out = Append({MakePayment("e3", 999)});
  EXPECT_EQ(out.duplicate, (std::vector<bool>{false}));
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{21}));
  EXPECT_EQ(out.conflict, (std::vector<Conflict>{Conflict::kNone}));
}

INSTANTIATE_TEST_SUITE_P(CheckpointOrNot, SegmentRestartTest,
                         ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "FromCheckpoint" : "FromLog";
                         });

TEST_F(SegmentLogTest, RefusesADataDirWhoseRocksDbLogHoldsEvents) {
  options_.backend = EventLog::Options::Backend::kRocksDb;
  OpenLog();
  Append({MakePayment("old")});
  CloseLog();
  UseMode(kSegments);
  auto store = storage::Store::Open(dir_, storage::StoreOptions());
  ASSERT_TRUE(store.ok());
  EventLog log(store->get(), options_, [](std::vector<LoggedEvent>) {});
  absl::Status s = log.Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("--event_log=rocksdb"));
}

TEST_F(SegmentLogTest, RocksDbBackendRefusesADataDirWithSegments) {
  OpenLog();
  Append({MakePayment("new")});
  CloseLog();
  options_.backend = EventLog::Options::Backend::kRocksDb;
  auto store = storage::Store::Open(dir_, storage::StoreOptions());
  ASSERT_TRUE(store.ok());
  EventLog log(store->get(), options_, [](std::vector<LoggedEvent>) {});
  absl::Status s = log.Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("--event_log=segments"));
}

TEST_F(SegmentLogTest, RecordsAreInSegmentFilesNotInTheStore) {
  OpenLog();
  Append({MakePayment("x"), MakePayment("y")});
  bool any_segment = false;
  for (const auto& e :
       std::filesystem::directory_iterator(options_.segment_dir)) {
    any_segment |= e.path().extension() == ".seg";
  }
  EXPECT_TRUE(any_segment);
  auto it = store_->NewIterator(storage::Cf::kLog);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it = store_->NewIterator(storage::Cf::kIdem);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

}  // namespace
}  // namespace riskflow::log
