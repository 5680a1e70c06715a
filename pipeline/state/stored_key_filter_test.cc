// The stored-key filter and the scan that fills it at open: a key it was
// given is always "maybe", a filter not yet ready says "maybe" to
// everything, and a saturated one degrades to "maybe", never to "no".
#include "pipeline/state/stored_key_filter.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/state/stored_key_scan.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {
namespace {

std::string Entity(int i) { return "acct-" + std::to_string(i); }

TEST(StoredKeyFilterTest, NotReadyAnswersMaybeToEverything) {
  StoredKeyFilter f(1 << 20);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(f.MaybeStored(7, Entity(i)));
  f.MarkReady();
  int maybe = 0;
  for (int i = 0; i < 1000; ++i) maybe += f.MaybeStored(7, Entity(i));
  EXPECT_EQ(maybe, 0);  // empty and ready: nothing is stored
}

TEST(StoredKeyFilterTest, AddedKeysAreAlwaysMaybeAndOthersMostlyNot) {
  // 1 MiB for 100K keys: ~84 bits per key.
  StoredKeyFilter f(1 << 20);
  f.MarkReady();
  for (int i = 0; i < 100000; ++i) f.Add(uint64_t(i % 3), Entity(i));
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(f.MaybeStored(uint64_t(i % 3), Entity(i))) << i;
  }
  // Same entities under another state id, and unseen entities.
  int false_positives = 0;
  for (int i = 0; i < 100000; ++i) {
    false_positives += f.MaybeStored(uint64_t(i % 3) + 3, Entity(i));
    false_positives += f.MaybeStored(uint64_t(i % 3), Entity(i + 100000));
  }
  EXPECT_LT(false_positives, 2000);  // < 1%
}

TEST(StoredKeyFilterTest, AllStatesOfAnEntityShareOneBlock) {
  // An event's detectors check one entity's states back to back: one
  // cache line for all of them means one memory miss, not one per state.
  StoredKeyFilter f(1 << 20);
  for (int i = 0; i < 100; ++i) {
    const size_t block = f.BlockIndex(0, Entity(i));
    for (uint64_t id = 1; id < 40; ++id) {
      ASSERT_EQ(f.BlockIndex(id, Entity(i)), block) << i << " " << id;
    }
  }
  // Different entities still spread over the blocks.
  std::set<size_t> blocks;
  for (int i = 0; i < 1000; ++i) blocks.insert(f.BlockIndex(3, Entity(i)));
  EXPECT_GT(blocks.size(), 950u);
}

TEST(StoredKeyFilterTest, ManyStatesPerEntityKeepFalsePositivesLow) {
  // 200K entities of 10 states each (the all-detectors account) in 32 MiB,
  // the default: ~134 bits per key, but each entity's 60 bits in one block.
  StoredKeyFilter f(32 << 20);
  f.MarkReady();
  for (int i = 0; i < 200000; ++i) {
    for (uint64_t id = 0; id < 10; ++id) f.Add(id, Entity(i));
  }
  int false_positives = 0;
  for (int i = 0; i < 200000; ++i) {
    ASSERT_TRUE(f.MaybeStored(9, Entity(i)));
    false_positives += f.MaybeStored(10, Entity(i));  // known entity
    false_positives += f.MaybeStored(0, Entity(i + 200000));  // unseen
  }
  EXPECT_LT(false_positives, 400);  // < 0.1%
}

TEST(StoredKeyFilterTest, TightFilterStillNeverSaysNoForAnAddedKey) {
  // 64 KiB for 60K keys: ~8.7 bits per key, the 10M-account default case.
  StoredKeyFilter f(64 << 10);
  f.MarkReady();
  for (int i = 0; i < 60000; ++i) f.Add(1, Entity(i));
  int false_positives = 0;
  for (int i = 0; i < 60000; ++i) {
    ASSERT_TRUE(f.MaybeStored(1, Entity(i)));
    false_positives += f.MaybeStored(1, Entity(i + 60000));
  }
  // A blocked filter at ~9 bits per key: a few percent.
  EXPECT_LT(false_positives, 60000 / 10);
  EXPECT_GT(f.ApproxFill(), 0.3);
}

TEST(StoredKeyFilterTest, SaturatedFilterAnswersMaybeToEverything) {
  StoredKeyFilter f(1);  // one block
  EXPECT_EQ(f.bytes(), StoredKeyFilter::kBlockBytes);
  f.MarkReady();
  for (int i = 0; i < 5000; ++i) f.Add(1, Entity(i));
  EXPECT_DOUBLE_EQ(f.ApproxFill(), 1.0);
  for (int i = 0; i < 5000; ++i) {
    EXPECT_TRUE(f.MaybeStored(9, Entity(i + 5000)));
  }
}

TEST(StoredKeyFilterTest, ConcurrentAddsFromShardThreadsAreAllKept) {
  StoredKeyFilter f(256 << 10);
  f.MarkReady();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f, t] {
      for (int i = t; i < 200000; i += 4) f.Add(5, Entity(i));
    });
  }
  for (std::thread& th : threads) th.join();
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE(f.MaybeStored(5, Entity(i)));
}

class StoredKeyScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = OpenStateStore(dir_.path(), storage::StoreOptions());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void Write(rocksdb::WriteBatch* batch) {
    ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());
  }
  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(StoredKeyScanTest, EmptyStoreMakesTheFilterReadyAtOnce) {
  StoredKeyFilter f(1 << 16);
  auto scan = StoredKeyScan::Start(store_.get(), &f);
  scan->Wait();
  EXPECT_TRUE(scan->status().ok()) << scan->status();
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(scan->keys(), 0u);
  EXPECT_FALSE(f.MaybeStored(1, "a"));
}

TEST_F(StoredKeyScanTest, EveryStoredEntityOfEveryKindIsFound) {
  rocksdb::ColumnFamilyHandle* cf = store_->handle(storage::Cf::kState);
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 3000; ++i) {
    for (int b = 0; b < 3; ++b) {  // several buckets of one entity
      ASSERT_TRUE(
          batch.Merge(cf, BucketKey(11, Entity(i), b), EncodeInt64(1)).ok());
    }
    ASSERT_TRUE(batch.Put(cf, DistinctKey(12, Entity(i), 0, "dev"), "").ok());
    std::string v;
    AppendLastSeenValue(5, "CN", &v);
    ASSERT_TRUE(batch.Put(cf, LastSeenKey(13, Entity(i)), v).ok());
  }
  Write(&batch);
  ASSERT_TRUE(store_->Flush().ok());
  // Some in an SST, some in the memtable.
  rocksdb::WriteBatch more;
  ASSERT_TRUE(more.Merge(cf, BucketKey(11, "late", 0), EncodeInt64(1)).ok());
  Write(&more);

  StoredKeyFilter f(1 << 20);
  uint64_t keys = 0;
  ASSERT_TRUE(StoredKeyScan::Run(store_.get(), &f, nullptr, &keys).ok());
  EXPECT_EQ(keys, 3000u * 5 + 1);
  ASSERT_TRUE(f.ready());
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(f.MaybeStored(11, Entity(i)));
    ASSERT_TRUE(f.MaybeStored(12, Entity(i)));
    ASSERT_TRUE(f.MaybeStored(13, Entity(i)));
  }
  EXPECT_TRUE(f.MaybeStored(11, "late"));
  EXPECT_FALSE(f.MaybeStored(12, "late"));
  EXPECT_FALSE(f.MaybeStored(11, "never"));
}

TEST_F(StoredKeyScanTest, AStoppedScanLeavesTheFilterNotReady) {
  rocksdb::ColumnFamilyHandle* cf = store_->handle(storage::Cf::kState);
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(batch.Merge(cf, BucketKey(1, Entity(i), 0), EncodeInt64(1)).ok());
  }
  Write(&batch);
  StoredKeyFilter f(1 << 16);
  std::atomic<bool> stop{true};
  absl::Status s = StoredKeyScan::Run(store_.get(), &f, &stop);
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_FALSE(f.ready());
  EXPECT_TRUE(f.MaybeStored(1, "never"));
}

}  // namespace
}  // namespace riskflow::state
