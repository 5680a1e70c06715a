// The shard cache with a stored-key filter: a miss on state the store never
// held does no store read, and nothing that was stored is ever skipped:
// after eviction, after a checkpoint (whole or sliced), after a reopen by
// a new process-like instance (new filter, same store) before and after its
// scan, and through random commits, failed commits, evictions and restarts
// against the reference model.
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_test_fixture.h"
#include "pipeline/state/state_changes.h"
#include "pipeline/state/stored_key_filter.h"
#include "pipeline/state/stored_key_scan.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {
namespace {

class ShardStateFilterTest : public ShardStateTest {
 protected:
  // A new "process" on the same directory: a new store, cache and filter.
  // `scan`: the filter is filled from the store and ready; otherwise it is
  // not ready yet (the scan still running).
  void ReopenWithFilter(bool scan, size_t max_entities = 1000) {
    Reopen();
    cache_ = std::make_unique<ShardState>(store_.get(), max_entities,
                                          kLateness);
    filter_ = std::make_unique<StoredKeyFilter>(1 << 16);
    if (scan) Scan();
    cache_->UseStoredKeyFilter(filter_.get());
  }
  void Scan() {
    absl::Status s = StoredKeyScan::Run(store_.get(), filter_.get());
    ASSERT_TRUE(s.ok()) << s;
  }
  // A background checkpoint's way: serialise, sort into a batch, write.
  void Checkpoint(ShardState* cache) {
    StateChanges changes;
    cache->FlushChanges(&changes);
    rocksdb::WriteBatch batch;
    changes.AppendSortedTo(&batch, store_->handle(storage::Cf::kState));
    ASSERT_OK(store_->Write(&batch, /*sync=*/false));
    cache->Trim();
  }
  uint64_t Reads() const { return cache_->stats().store_reads; }
  uint64_t Skipped() const { return cache_->stats().store_reads_skipped; }

  std::unique_ptr<StoredKeyFilter> filter_;
};

TEST_F(ShardStateFilterTest, FreshEntityOnAnEmptyStoreDoesNoStoreRead) {
  ReopenWithFilter(/*scan=*/true);
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 1000, 60000), 0);
  EXPECT_EQ(Count(cache_.get(), "a", 1000, 60000), 0);
  auto got = cache_->LastGet(last_, "a", 1000);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  ASSERT_OK(cache_->WindowAdd(counter_, "b", 1000, 1));
  EXPECT_EQ(Reads(), 0u);
  EXPECT_EQ(Skipped(), 4u);
  // A late query below what the entry loaded: still nothing to read.
  EXPECT_EQ(Total(cache_.get(), counter_, "b", 1000, 60000), 1);
  EXPECT_EQ(Reads(), 0u);
}

TEST_F(ShardStateFilterTest, WithoutAFilterEveryMissReads) {
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 1000, 60000), 0);
  auto got = cache_->LastGet(last_, "a", 1000);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(cache_->stats().store_reads, 2u);
  EXPECT_EQ(cache_->stats().store_reads_skipped, 0u);
}

TEST_F(ShardStateFilterTest, EvictedEntityReloadsIntact) {
  ReopenWithFilter(/*scan=*/true, /*max_entities=*/3);
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 1000, 7));
  ASSERT_OK(cache_->DistinctAdd(distinct_, "a", 1000, "dev1"));
  ASSERT_OK(cache_->LastPut(last_, "a", 1000, "CN"));
  Commit(cache_.get());
  // Other entities push "a" out.
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(cache_->WindowAdd(sum_, "x" + std::to_string(i), 2000, 1));
    Commit(cache_.get());
  }
  ASSERT_GT(cache_->stats().evictions, 0u);
  const uint64_t reads = Reads();
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), 7);
  EXPECT_EQ(Count(cache_.get(), "a", 2000, 60000), 1);
  auto got = cache_->LastGet(last_, "a", 2000);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->first, "CN");
  EXPECT_EQ(Reads(), reads + 3);
}

TEST_F(ShardStateFilterTest, CheckpointedThenEvictedEntityReloadsIntact) {
  ReopenWithFilter(/*scan=*/true, /*max_entities=*/2);
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 1000, 5));
  ASSERT_OK(cache_->LastPut(last_, "a", 1000, "FR"));
  Checkpoint(cache_.get());
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(cache_->WindowAdd(sum_, "x" + std::to_string(i), 2000, 1));
    Checkpoint(cache_.get());
  }
  ASSERT_GT(cache_->stats().evictions, 0u);
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), 5);
  auto got = cache_->LastGet(last_, "a", 2000);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->first, "FR");
}

TEST_F(ShardStateFilterTest, SlicedCheckpointThenEvictedReloadsIntact) {
  ReopenWithFilter(/*scan=*/true, /*max_entities=*/2);
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 1000, 5));
  ASSERT_OK(cache_->WindowAdd(sum_, "b", 1000, 6));
  cache_->BeginSlicedCheckpoint();
  // "b" changes while pending: copy-on-write serialises it first.
  ASSERT_OK(cache_->WindowAdd(sum_, "b", 1500, 1));
  ASSERT_TRUE(cache_->SerialiseSlice(SIZE_MAX, absl::InfiniteDuration()));
  StateChanges changes = cache_->TakeSlicedCheckpoint();
  rocksdb::WriteBatch batch;
  changes.AppendSortedTo(&batch, store_->handle(storage::Cf::kState));
  ASSERT_OK(store_->Write(&batch, /*sync=*/false));
  Commit(cache_.get());  // b's newer change
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(cache_->WindowAdd(sum_, "x" + std::to_string(i), 2000, 1));
    Commit(cache_.get());
  }
  ASSERT_GT(cache_->stats().evictions, 0u);
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), 5);
  EXPECT_EQ(Total(cache_.get(), sum_, "b", 2000, 60000), 7);
}

TEST_F(ShardStateFilterTest, ReopenedStoreIsFoundBeforeAndAfterTheScan) {
  ReopenWithFilter(/*scan=*/true);
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 1000, 9));
  ASSERT_OK(cache_->DistinctAdd(distinct_, "a", 1000, "dev1"));
  ASSERT_OK(cache_->LastPut(last_, "a", 1000, "DE"));
  Commit(cache_.get());

  // A new process whose scan has not finished: it must read.
  ReopenWithFilter(/*scan=*/false);
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), 9);
  EXPECT_EQ(Total(cache_.get(), sum_, "never", 2000, 60000), 0);
  EXPECT_EQ(Reads(), 2u);
  EXPECT_EQ(Skipped(), 0u);
  // The scan finishes while the cache runs.
  Scan();
  EXPECT_EQ(Count(cache_.get(), "a", 2000, 60000), 1);
  auto got = cache_->LastGet(last_, "a", 2000);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->first, "DE");
  EXPECT_EQ(Reads(), 4u);
  EXPECT_EQ(Count(cache_.get(), "never", 2000, 60000), 0);
  EXPECT_EQ(Skipped(), 1u);

  // And a new process whose scan finished before its first event.
  ReopenWithFilter(/*scan=*/true);
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), 9);
  EXPECT_EQ(Total(cache_.get(), sum_, "b", 2000, 60000), 0);
  EXPECT_EQ(Reads(), 1u);
  EXPECT_EQ(Skipped(), 1u);
}

TEST_F(ShardStateFilterTest, WritesDuringTheScanAreNotMissed) {
  // The scan's iterator is created before the cache's write: the write is
  // not in its snapshot, so only the cache's own Add covers it.
  ReopenWithFilter(/*scan=*/false, /*max_entities=*/1);
  std::unique_ptr<rocksdb::Iterator> snapshot_holder =
      store_->NewIterator(storage::Cf::kState);
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 1000, 4));
  Commit(cache_.get());
  ASSERT_OK(cache_->WindowAdd(sum_, "b", 1000, 1));  // evicts "a"
  Commit(cache_.get());
  filter_->MarkReady();  // as a scan of the empty snapshot would
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), 4);
}

// The randomised reference test of shard_state_test with a filter: tiny
// capacity (evictions on nearly every commit), failed commits, restarts
// with a new filter whose scan finishes at a random later step.
TEST_F(ShardStateFilterTest, MatchesReferenceThroughEvictionsAndRestarts) {
  std::mt19937_64 rng(7);
  Reference ref;
  ReopenWithFilter(/*scan=*/true, /*max_entities=*/3);
  Reference committed;
  int64_t now = -100000;
  int scan_at = -1;
  uint64_t skipped = 0, reads = 0;
  for (int step = 0; step < 20000; ++step) {
    if (step == scan_at) Scan();
    now += static_cast<int64_t>(rng() % 700);
    int64_t t =
        now -
        ((rng() % 10 == 0) ? static_cast<int64_t>(rng() % (6 * kLateness)) : 0);
    std::string e = "acct" + std::to_string(rng() % 12);
    int64_t w = 1 + static_cast<int64_t>(rng() % 60000);
    const uint64_t op = rng() % 8;
    if (op < 7) {
      RandomStateOp(op, rng, cache_.get(), &ref, sum_, distinct_, e, t, w,
                    INT64_MIN, step);
      if (HasFatalFailure()) return;
      continue;
    }
    int r = rng() % 20;
    if (r == 0) {
      rocksdb::WriteBatch lost;
      cache_->FlushTo(&lost);
      cache_->DropAll();
      ref = committed;
    } else if (r == 1) {
      Commit(cache_.get());
      committed = ref;
      skipped += Skipped();
      reads += Reads();
      ReopenWithFilter(/*scan=*/false, /*max_entities=*/3);
      scan_at = step + static_cast<int>(rng() % 200);
    } else if (r == 2) {
      Checkpoint(cache_.get());
      committed = ref;
    } else {
      Commit(cache_.get());
      committed = ref;
    }
  }
  skipped += Skipped();
  reads += Reads();
  EXPECT_GT(skipped, 0u);
  EXPECT_GT(reads, 0u);
}

}  // namespace
}  // namespace riskflow::state
