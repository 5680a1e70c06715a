#include "pipeline/log/id_index.h"

#include <xxhash.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/iterator.h"

namespace riskflow::log {
namespace {

using storage::Cf;
using storage::SequenceKey;

class IdIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path(), storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Every key in the idem column family, in store order.
  std::vector<std::string> IdemKeys() {
    std::vector<std::string> keys;
    auto it = store_->NewIterator(Cf::kIdem);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      keys.push_back(it->key().ToString());
    }
    EXPECT_TRUE(store_->IteratorStatus(*it, "scan idem").ok());
    return keys;
  }

  std::optional<uint64_t> Find(MemoryIdIndex& index, const std::string& channel,
                               const std::string& id) {
    auto found = index.Lookup(channel, id);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : std::nullopt;
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST(FingerprintTest, IsXxh3OfTheIdempotencyKey) {
  for (const std::string& id :
       {std::string("e1"), std::string(300, 'x') /* heap path */}) {
    const std::string key = IdempotencyKey("card", id);
    const XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    const IdFingerprint fp = FingerprintId("card", id);
    EXPECT_EQ(fp.high, h.high64);
    EXPECT_EQ(fp.low, h.low64);
  }
}

TEST(FingerprintTest, KeyIsBigEndianSoBytewiseOrderIsFingerprintOrder) {
  const IdFingerprint a{0x0102030405060708ull, 0x090a0b0c0d0e0f10ull};
  EXPECT_EQ(FingerprintKey(a),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08"
                        "\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10",
                        16));
  const IdFingerprint b{0x0102030405060708ull, 0xff00000000000000ull};
  const IdFingerprint c{0x0202030405060708ull, 0};
  EXPECT_LT(FingerprintKey(a), FingerprintKey(b));
  EXPECT_LT(FingerprintKey(b), FingerprintKey(c));
}

TEST(FingerprintTest, ChannelAndIdAreKeptApart) {
  EXPECT_FALSE(FingerprintId("card", "e1") == FingerprintId("card", "e2"));
  EXPECT_FALSE(FingerprintId("card", "e1") == FingerprintId("wallet", "e1"));
  // The length prefix: ("ab","c") is not ("a","bc").
  EXPECT_FALSE(FingerprintId("ab", "c") == FingerprintId("a", "bc"));
}

TEST_F(IdIndexTest, RemembersInMemoryAndWritesNothingBeforeASpill) {
  MemoryIdIndex index(store_.get(), 100, /*sync=*/false);
  ASSERT_TRUE(index.Insert("card", "e1", 1).ok());
  ASSERT_TRUE(index.Insert("card", "e2", 2).ok());
  ASSERT_TRUE(index.Insert("wallet", "e1", 3).ok());
  EXPECT_EQ(Find(index, "card", "e1"), 1u);
  EXPECT_EQ(Find(index, "card", "e2"), 2u);
  EXPECT_EQ(Find(index, "wallet", "e1"), 3u);
  EXPECT_EQ(Find(index, "wallet", "e2"), std::nullopt);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.spills(), 0u);
  EXPECT_TRUE(IdemKeys().empty());
}

TEST_F(IdIndexTest, SpillsBeyondTheBudgetAndForgetsNothing) {
  constexpr size_t kBudget = 3;
  constexpr int kIds = 50;
  MemoryIdIndex index(store_.get(), kBudget, /*sync=*/false);
  for (int i = 0; i < kIds; ++i) {
    const std::string id = "evt-" + std::to_string(i);
    ASSERT_EQ(Find(index, "card", id), std::nullopt) << id;
    ASSERT_TRUE(index.Insert("card", id, 100 + i).ok());
    ASSERT_LE(index.size(), kBudget);
  }
  // Inserting the 4th, 7th, ... entry found the map full: 16 spills of 3.
  EXPECT_EQ(index.spills(), 16u);
  EXPECT_EQ(index.spilled_entries(), 48u);
  EXPECT_EQ(index.size(), 2u);
  for (int i = 0; i < kIds; ++i) {
    EXPECT_EQ(Find(index, "card", "evt-" + std::to_string(i)), 100u + i);
  }
  EXPECT_EQ(Find(index, "card", "evt-50"), std::nullopt);
  EXPECT_EQ(Find(index, "wallet", "evt-1"), std::nullopt);

  // The spilled entries: 16-byte fingerprint keys, 8-byte sequences.
  const std::vector<std::string> keys = IdemKeys();
  ASSERT_EQ(keys.size(), 48u);
  for (const std::string& k : keys) EXPECT_EQ(k.size(), 16u);
  std::string value;
  auto found = store_->Get(Cf::kIdem,
                           FingerprintKey(FingerprintId("card", "evt-0")),
                           &value);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(value, SequenceKey(100));
}

TEST_F(IdIndexTest, ExplicitSpillMovesEverythingToTheStore) {
  MemoryIdIndex index(store_.get(), 1000, /*sync=*/false);
  ASSERT_TRUE(index.Spill().ok());  // empty: nothing to do
  EXPECT_EQ(index.spills(), 0u);
  ASSERT_TRUE(index.Insert("card", "a", 7).ok());
  ASSERT_TRUE(index.Spill().ok());
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.spills(), 1u);
  EXPECT_EQ(Find(index, "card", "a"), 7u);
  EXPECT_EQ(IdemKeys().size(), 1u);
  // The table stays reserved at the budget after a spill: one allocation.
  EXPECT_GE(index.memory_bytes(), 1000u * 25);
}

TEST_F(IdIndexTest, SevenEighthsOfAPowerOfTwoFillsOneTable) {
  // 896 = 7/8 * 1024: the table never needs more than 1023 slots.
  constexpr size_t kBudget = 896;
  MemoryIdIndex index(store_.get(), kBudget, /*sync=*/false);
  for (size_t i = 0; i < 3 * kBudget; ++i) {
    ASSERT_TRUE(index.Insert(IdFingerprint{i, ~i}, i).ok());
    ASSERT_LE(index.memory_bytes(), 1023u * 25) << i;
  }
  EXPECT_EQ(index.spills(), 2u);
  EXPECT_EQ(index.memory_bytes(), 1023u * 25);
}

TEST_F(IdIndexTest, ZeroBudgetIsTreatedAsOne) {
  MemoryIdIndex index(store_.get(), 0, /*sync=*/false);
  EXPECT_EQ(index.max_memory_entries(), 1u);
  ASSERT_TRUE(index.Insert("card", "a", 1).ok());
  ASSERT_TRUE(index.Insert("card", "b", 2).ok());
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(Find(index, "card", "a"), 1u);
  EXPECT_EQ(Find(index, "card", "b"), 2u);
}

}  // namespace
}  // namespace riskflow::log
