#include "pipeline/state/state_store.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {
namespace {

using storage::Cf;
using storage::ScopedTempDir;
using storage::Store;

std::unique_ptr<Store> MustOpen(const std::string& dir) {
  storage::StoreOptions opts;
  opts.block_cache_bytes = 8 << 20;
  opts.write_buffer_bytes = 8 << 20;
  auto store = OpenStateStore(dir, opts);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// Keys of `cf` in order, decoded as state bucket numbers.
std::vector<int64_t> StateBuckets(Store* store, uint64_t id) {
  std::vector<int64_t> out;
  auto it = store->NewIterator(Cf::kState);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    DecodedStateKey k;
    int64_t b;
    std::string_view member;
    if (DecodeStateKey(it->key().ToStringView(), &k) && k.id == id &&
        DecodeBucketSuffix(k.rest, &b, &member)) {
      out.push_back(b);
    }
  }
  EXPECT_TRUE(store->IteratorStatus(*it, "scan").ok());
  return out;
}

TEST(StateStoreTest, MergeSumsAcrossFlushAndReopen) {
  ScopedTempDir dir;
  const std::string key = BucketKey(7, "acct", 3);
  {
    auto store = MustOpen(dir.path());
    rocksdb::WriteBatch b1;
    ASSERT_TRUE(b1.Merge(store->handle(Cf::kState), key, EncodeInt64(5)).ok());
    ASSERT_TRUE(store->Write(&b1, false).ok());
    ASSERT_TRUE(store->Flush().ok());
    rocksdb::WriteBatch b2;
    ASSERT_TRUE(b2.Merge(store->handle(Cf::kState), key, EncodeInt64(-2)).ok());
    ASSERT_TRUE(store->Write(&b2, false).ok());
  }  // closes without flushing the second write: the WAL replays it
  auto store = MustOpen(dir.path());
  rocksdb::WriteBatch b3;
  ASSERT_TRUE(b3.Merge(store->handle(Cf::kState), key, EncodeInt64(10)).ok());
  ASSERT_TRUE(store->Write(&b3, false).ok());
  std::string v;
  ASSERT_TRUE(*store->Get(Cf::kState, key, &v));
  int64_t sum = 0;
  ASSERT_TRUE(DecodeInt64(v, &sum));
  EXPECT_EQ(sum, 13);
  ASSERT_TRUE(store->Compact(Cf::kState).ok());
  ASSERT_TRUE(*store->Get(Cf::kState, key, &v));
  ASSERT_TRUE(DecodeInt64(v, &sum));
  EXPECT_EQ(sum, 13);
}

TEST(StateStoreTest, MalformedOperandIsAnErrorNotACrash) {
  ScopedTempDir dir;
  auto store = MustOpen(dir.path());
  const std::string key = BucketKey(7, "acct", 3);
  rocksdb::WriteBatch b;
  ASSERT_TRUE(b.Merge(store->handle(Cf::kState), key, EncodeInt64(1)).ok());
  ASSERT_TRUE(b.Merge(store->handle(Cf::kState), key, "junk").ok());
  ASSERT_TRUE(store->Write(&b, false).ok());
  std::string v;
  auto got = store->Get(Cf::kState, key, &v);
  EXPECT_FALSE(got.ok());
}

TEST(StateStoreTest, CompactionExpiresOldBucketsAndKeepsTheWindow) {
  ScopedTempDir dir;
  auto store = MustOpen(dir.path());
  // 60 s window in 10 s buckets.
  StateSpec counter =
      *MakeStateSpec("velocity", "count", StateKind::kCounter, 60000, 10000, 0);
  StateSpec unregistered =
      *MakeStateSpec("other", "count", StateKind::kCounter, 60000, 10000, 0);
  StateSpec last = *MakeStateSpec("geo", "last", StateKind::kLastSeen, 0, 0,
                                  /*ttl_ms=*/30000);
  RegisterState(store.get(), counter);
  RegisterState(store.get(), last);

  rocksdb::WriteBatch batch;
  auto* cf = store->handle(Cf::kState);
  for (int64_t b = 0; b <= 20; ++b) {
    ASSERT_TRUE(
        batch.Merge(cf, BucketKey(counter.id, "a", b), EncodeInt64(1)).ok());
    ASSERT_TRUE(
        batch.Merge(cf, BucketKey(unregistered.id, "a", b), EncodeInt64(1))
            .ok());
  }
  std::string old_last, fresh_last;
  AppendLastSeenValue(100000, "FR", &old_last);
  AppendLastSeenValue(190000, "DE", &fresh_last);
  ASSERT_TRUE(batch.Put(cf, LastSeenKey(last.id, "old"), old_last).ok());
  ASSERT_TRUE(batch.Put(cf, LastSeenKey(last.id, "fresh"), fresh_last).ok());
  ASSERT_TRUE(store->Write(&batch, false).ok());
  ASSERT_TRUE(store->Flush().ok());

  // No clock yet: compaction keeps everything.
  ASSERT_TRUE(store->Compact(Cf::kState).ok());
  EXPECT_EQ(StateBuckets(store.get(), counter.id).size(), 21u);

  // Clock 200 s: threshold 140 s. Bucket 13 ends at 139.999 s (dropped),
  // bucket 14 holds 140..149.999 s (kept).
  SetExpiryClock(store.get(), 200000);
  ASSERT_TRUE(store->Compact(Cf::kState).ok());
  EXPECT_EQ(StateBuckets(store.get(), counter.id),
            (std::vector<int64_t>{14, 15, 16, 17, 18, 19, 20}));
  EXPECT_EQ(StateBuckets(store.get(), unregistered.id).size(), 21u);
  std::string v;
  EXPECT_FALSE(*store->Get(Cf::kState, LastSeenKey(last.id, "old"), &v));
  EXPECT_TRUE(*store->Get(Cf::kState, LastSeenKey(last.id, "fresh"), &v));
  ASSERT_TRUE(*store->Get(Cf::kState, BucketKey(counter.id, "a", 14), &v));
  int64_t n = 0;
  ASSERT_TRUE(DecodeInt64(v, &n));
  EXPECT_EQ(n, 1);
}

TEST(StateStoreTest, ClockAndRegistrationAreNoOpsOnAPlainStore) {
  ScopedTempDir dir;
  auto store = Store::Open(dir.path(), storage::StoreOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  StateSpec counter =
      *MakeStateSpec("velocity", "count", StateKind::kCounter, 60000, 10000, 0);
  RegisterState(store->get(), counter);
  SetExpiryClock(store->get(), 200000);
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch
                  .Put((*store)->handle(Cf::kState),
                       BucketKey(counter.id, "a", 0), EncodeInt64(1))
                  .ok());
  ASSERT_TRUE((*store)->Write(&batch, false).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  ASSERT_TRUE((*store)->Compact(Cf::kState).ok());
  std::string v;
  EXPECT_TRUE(*(*store)->Get(Cf::kState, BucketKey(counter.id, "a", 0), &v));
}

}  // namespace
}  // namespace riskflow::state
