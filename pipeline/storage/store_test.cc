#include "pipeline/storage/store.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/write_batch.h"

namespace riskflow::storage {
namespace {

std::unique_ptr<Store> MustOpen(const std::string& dir) {
  StoreOptions opts;
  opts.block_cache_bytes = 8 << 20;
  opts.write_buffer_bytes = 8 << 20;
  auto store = Store::Open(dir, opts);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(StoreTest, AllColumnFamiliesRoundTripAndSurviveReopen) {
  ScopedTempDir dir;
  const std::vector<Cf> cfs = {Cf::kDefault, Cf::kLog,    Cf::kIdem,
                               Cf::kState,   Cf::kOutbox, Cf::kDecisions,
                               Cf::kMeta};
  {
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    rocksdb::WriteBatch batch;
    for (Cf cf : cfs) {
      ASSERT_NE(store->handle(cf), nullptr);
      EXPECT_EQ(store->handle(cf)->GetName(), CfName(cf));
      ASSERT_TRUE(batch.Put(store->handle(cf), "k", CfName(cf)).ok());
    }
    ASSERT_TRUE(store->Write(&batch, /*sync=*/true).ok());
  }
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  for (Cf cf : cfs) {
    std::string v;
    auto found = store->Get(cf, "k", &v);
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(*found);
    EXPECT_EQ(v, CfName(cf));
  }
  std::string v;
  auto missing = store->Get(Cf::kMeta, "absent", &v);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST(StoreTest, OpenMissingWithoutCreateIsAnError) {
  ScopedTempDir dir;
  StoreOptions opts;
  opts.create_if_missing = false;
  auto store = Store::Open(dir.path() + "/nope", opts);
  EXPECT_FALSE(store.ok());
}

// A merge operator that concatenates, so the test can tell it ran.
class ConcatOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger*) const override {
    *new_value = existing == nullptr ? "" : existing->ToString();
    new_value->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "test.Concat"; }
};

class ConcatTuner : public CfTuner {
 public:
  void Tune(rocksdb::ColumnFamilyOptions* options,
            rocksdb::BlockBasedTableOptions* /*table*/) override {
    ++calls;
    options->merge_operator = std::make_shared<ConcatOperator>();
  }
  int calls = 0;
};

TEST(StoreTest, TunerCustomisesOnlyItsColumnFamily) {
  ScopedTempDir dir;
  auto tuner = std::make_shared<ConcatTuner>();
  StoreOptions opts;
  opts.block_cache_bytes = 8 << 20;
  opts.write_buffer_bytes = 8 << 20;
  opts.set_tuner(Cf::kMeta, tuner);
  auto store = Store::Open(dir.path(), opts);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(tuner->calls, 1);
  EXPECT_EQ((*store)->tuner(Cf::kMeta), tuner.get());
  EXPECT_EQ((*store)->tuner(Cf::kState), nullptr);

  rocksdb::WriteBatch tuned;
  ASSERT_TRUE(tuned.Merge((*store)->handle(Cf::kMeta), "k", "a").ok());
  ASSERT_TRUE(tuned.Merge((*store)->handle(Cf::kMeta), "k", "b").ok());
  ASSERT_TRUE((*store)->Write(&tuned, false).ok());
  std::string v;
  ASSERT_TRUE(*(*store)->Get(Cf::kMeta, "k", &v));
  EXPECT_EQ(v, "ab");

  // The store itself gives no column family a merge operator.
  rocksdb::WriteBatch untuned;
  ASSERT_TRUE(untuned.Merge((*store)->handle(Cf::kState), "k", "a").ok());
  EXPECT_FALSE((*store)->Write(&untuned, false).ok());
}

}  // namespace
}  // namespace riskflow::storage
