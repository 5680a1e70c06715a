// ShardLayouts over a real store: what counts as decided after restarts that
// change the shard count, including recoveries that were killed part-way.
#include "pipeline/engine/shard_layouts.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pipeline/engine/partition.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {
namespace {

using storage::Cf;

// An account that lands on shard `k0` of `n0` and `k1` of `n1`.
std::string Account(uint32_t n0, uint32_t k0, uint32_t n1 = 1,
                    uint32_t k1 = 0) {
  for (int i = 0;; ++i) {
    std::string a = absl::StrCat("acct-", i);
    if (ShardOf(a, n0) == k0 && ShardOf(a, n1) == k1) return a;
  }
}

class ShardLayoutsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path(), storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // What a shard's micro-batch commit writes.
  void CommitOffset(uint32_t n, uint32_t k, uint64_t offset) {
    rocksdb::WriteBatch batch;
    batch.Put(store_->handle(Cf::kMeta), ShardLayouts::OffsetKey(n, k),
              storage::SequenceKey(offset));
    ASSERT_TRUE(store_->Write(&batch, false).ok());
  }

  void Put(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(store_->handle(Cf::kMeta), key, value);
    ASSERT_TRUE(store_->Write(&batch, false).ok());
  }

  bool Has(const std::string& key) {
    std::string value;
    return *store_->Get(Cf::kMeta, key, &value);
  }

  ShardLayouts Load(uint64_t fresh_start_after = 0) {
    absl::StatusOr<ShardLayouts> l =
        ShardLayouts::Load(store_.get(), fresh_start_after);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? *l : ShardLayouts();
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ShardLayoutsTest, AFreshStoreStartsAtItsStartSequence) {
  ShardLayouts l = Load(/*fresh_start_after=*/40);
  EXPECT_EQ(l.Describe(), "none");
  EXPECT_EQ(l.floor(), 40u);
  ASSERT_TRUE(l.Register(store_.get(), 2).ok());
  EXPECT_EQ(l.Offsets(2), (std::vector<uint64_t>{40, 40}));
  EXPECT_TRUE(l.Decided(40, "any"));
  EXPECT_FALSE(l.Decided(41, "any"));
  EXPECT_EQ(l.ScanFrom(), 40u);
  // Registered durably: a kill now, and the next start knows the layout.
  EXPECT_EQ(Load().Describe(), "2");
  EXPECT_EQ(Load().floor(), 40u);
}

TEST_F(ShardLayoutsTest, KilledRecoveriesWithOtherShardCountsAllCount) {
  ShardLayouts l = Load();
  ASSERT_TRUE(l.Register(store_.get(), 2).ok());
  ASSERT_TRUE(l.Collapse(store_.get(), 2, 100).ok());
  // Two shards run on, then a kill.
  CommitOffset(2, 0, 150);
  CommitOffset(2, 1, 120);
  // A start with 3 shards re-decides part of the tail, then is killed.
  l = Load();
  EXPECT_EQ(l.Describe(), "2");
  ASSERT_TRUE(l.Register(store_.get(), 3).ok());
  EXPECT_EQ(l.Offsets(3), (std::vector<uint64_t>{100, 100, 100}));
  EXPECT_EQ(l.ScanFrom(), 120u);
  CommitOffset(3, 0, 140);
  // A start with 1 shard: every offset ever committed still counts.
  l = Load();
  EXPECT_EQ(l.Describe(), "2,3");
  ASSERT_TRUE(l.Register(store_.get(), 1).ok());
  EXPECT_EQ(Load().Describe(), "2,3,1");
  EXPECT_TRUE(l.Decided(100, Account(2, 1, 3, 1)));   // the floor
  EXPECT_TRUE(l.Decided(120, Account(2, 1, 3, 1)));   // offset(2, 1)
  EXPECT_TRUE(l.Decided(150, Account(2, 0, 3, 1)));   // offset(2, 0)
  EXPECT_FALSE(l.Decided(151, Account(2, 0, 3, 1)));
  EXPECT_TRUE(l.Decided(140, Account(2, 1, 3, 0)));   // offset(3, 0)
  EXPECT_FALSE(l.Decided(141, Account(2, 1, 3, 0)));
  EXPECT_FALSE(l.Decided(121, Account(2, 1, 3, 1)));  // no layout has it
  EXPECT_EQ(l.ScanFrom(), 120u);
  // Recovery done: one layout at the log's end; the others are gone.
  ASSERT_TRUE(l.Collapse(store_.get(), 1, 160).ok());
  l = Load();
  EXPECT_EQ(l.Describe(), "1");
  EXPECT_EQ(l.floor(), 160u);
  EXPECT_EQ(l.Offsets(1), (std::vector<uint64_t>{160}));
  EXPECT_FALSE(Has(ShardLayouts::OffsetKey(2, 0)));
  EXPECT_FALSE(Has(ShardLayouts::OffsetKey(3, 0)));
  EXPECT_TRUE(Has("engine/shards"));
}

TEST_F(ShardLayoutsTest, StaleOffsetsOfAnOldShardCountAreReset) {
  ShardLayouts l = Load();
  ASSERT_TRUE(l.Register(store_.get(), 1).ok());
  ASSERT_TRUE(l.Collapse(store_.get(), 1, 50).ok());
  CommitOffset(4, 0, 999);  // left behind by a much older run
  l = Load();
  ASSERT_TRUE(l.Register(store_.get(), 4).ok());
  EXPECT_EQ(l.Offsets(4), (std::vector<uint64_t>{50, 50, 50, 50}));
  EXPECT_FALSE(Load().Decided(500, Account(4, 0)));
}

TEST_F(ShardLayoutsTest, AStoreFromBeforeLayoutsIsReadAsItsOneLayout) {
  Put("engine/shards", "2");
  CommitOffset(2, 0, 50);
  CommitOffset(2, 1, 70);
  ShardLayouts l = Load();
  EXPECT_EQ(l.Describe(), "2");
  EXPECT_EQ(l.floor(), 0u);
  EXPECT_EQ(l.ScanFrom(), 50u);
  EXPECT_TRUE(l.Decided(70, Account(2, 1)));
  EXPECT_FALSE(l.Decided(51, Account(2, 0)));
  ASSERT_TRUE(l.Register(store_.get(), 3).ok());
  EXPECT_EQ(Load().Describe(), "2,3");
  EXPECT_TRUE(Load().Decided(70, Account(2, 1)));
}

TEST_F(ShardLayoutsTest, DamagedMetaIsDataLoss) {
  Put("engine/layouts", "2,x");
  absl::StatusOr<ShardLayouts> l = ShardLayouts::Load(store_.get(), 0);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(l.status().message().find("'x'"), std::string::npos)
      << l.status();
}

}  // namespace
}  // namespace riskflow::engine
