// CheckpointWriter against a real RocksDB store: the checkpoint (state
// changes + the shard's offset) lands in one write, `on_written` runs only
// after it committed, at most one is in flight, and a write that keeps
// failing is given up only once the shard is stopping.
#include "pipeline/engine/checkpoint_writer.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::engine {
namespace {

using storage::Cf;

class CheckpointWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        state::OpenStateStore(dir_.path() + "/engine", storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    target_.store = store_.get();
    target_.shard_count = 2;
    target_.shard_index = 1;
  }

  std::optional<std::string> Get(Cf cf, const std::string& key) {
    std::string value;
    absl::StatusOr<bool> found = store_->Get(cf, key, &value);
    EXPECT_TRUE(found.ok()) << found.status();
    if (!found.ok() || !*found) return std::nullopt;
    return value;
  }
  std::optional<std::string> Offset() {
    return Get(Cf::kMeta, ShardLayouts::OffsetKey(2, 1));
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  CommitTarget target_;
  absl::Notification stopping_;
  logging::RateLimiter limiter_{10, absl::Seconds(10)};
};

TEST_F(CheckpointWriterTest, NotesTheCheckpointOnlyOnceItIsInTheStore) {
  absl::Notification release;
  std::atomic<int> attempts{0};
  std::atomic<uint64_t> noted{0};
  std::atomic<bool> in_store_when_noted{false};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t shard) {
        EXPECT_EQ(shard, 1u);
        attempts.fetch_add(1);
        release.WaitForNotification();
        return absl::OkStatus();
      },
      [&](uint64_t through, int64_t watermark) {
        in_store_when_noted.store(Offset().has_value() &&
                                  Get(Cf::kState, "k1").has_value());
        EXPECT_EQ(watermark, 77);
        noted.store(through);
      });
  state::StateChanges changes;
  changes.Put("k2", "v2");
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 42, 77, 0, absl::Milliseconds(1));
  EXPECT_TRUE(writer.busy());
  while (attempts.load() == 0) absl::SleepFor(absl::Milliseconds(1));
  // Blocked in the write: nothing noted, nothing in the store.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(writer.busy());
  EXPECT_EQ(noted.load(), 0u);
  EXPECT_FALSE(Offset().has_value());
  EXPECT_FALSE(Get(Cf::kState, "k1").has_value());

  release.Notify();
  writer.Wait();
  EXPECT_FALSE(writer.busy());
  EXPECT_FALSE(writer.failed());
  EXPECT_EQ(noted.load(), 42u);
  EXPECT_TRUE(in_store_when_noted.load());
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(Offset(), storage::SequenceKey(42));
  EXPECT_EQ(Get(Cf::kState, "k2"), "v2");
}

TEST_F(CheckpointWriterTest, RetriesAFailingWriteWhileRunning) {
  std::atomic<int> attempts{0};
  std::atomic<uint64_t> noted{0};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t) {
        return attempts.fetch_add(1) < 2
                   ? absl::UnavailableError("injected write failure")
                   : absl::OkStatus();
      },
      [&](uint64_t through, int64_t) { noted.store(through); });
  state::StateChanges changes;
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 7, 0, 0, absl::ZeroDuration());
  writer.Wait();
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_FALSE(writer.failed());
  EXPECT_EQ(noted.load(), 7u);
  EXPECT_EQ(Offset(), storage::SequenceKey(7));
}

TEST_F(CheckpointWriterTest, GivesUpAtShutdownWithoutNotingIt) {
  std::atomic<int> attempts{0};
  std::atomic<bool> noted{false};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t) {
        attempts.fetch_add(1);
        return absl::UnavailableError("injected write failure");
      },
      [&](uint64_t, int64_t) { noted.store(true); });
  state::StateChanges changes;
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 9, 0, 3, absl::ZeroDuration());
  // Still retrying while the shard runs.
  while (attempts.load() < 2) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_TRUE(writer.busy());
  EXPECT_FALSE(writer.failed());
  stopping_.Notify();
  const absl::Time start = absl::Now();
  writer.Wait();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(writer.failed());
  EXPECT_FALSE(noted.load());
  EXPECT_FALSE(Offset().has_value());
  EXPECT_FALSE(Get(Cf::kState, "k1").has_value());
}

TEST(StateChangesTest, AppendsInKeyOrderKeepingDuplicatesInOrder) {
  state::StateChanges changes;
  changes.Merge("b", "1");
  changes.Put("a", "2");
  changes.Put("b", "3");
  // Longer than the 16-byte prefix, and a prefix of another key.
  changes.Put("0123456789abcdefZ", "4");
  changes.Put("0123456789abcdefY", "5");
  changes.Put("0123456789abcdef", "6");
  changes.Put(std::string("a\0", 2), "7");
  rocksdb::WriteBatch batch;
  struct Collect : rocksdb::WriteBatch::Handler {
    std::string ops;
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& k,
                          const rocksdb::Slice& v) override {
      ops += "P" + k.ToString() + v.ToString() + " ";
      return rocksdb::Status::OK();
    }
    rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice& k,
                            const rocksdb::Slice& v) override {
      ops += "M" + k.ToString() + v.ToString() + " ";
      return rocksdb::Status::OK();
    }
  } collect;
  changes.AppendSortedTo(&batch, nullptr);
  ASSERT_TRUE(batch.Iterate(&collect).ok());
  EXPECT_EQ(collect.ops, "P0123456789abcdef6 P0123456789abcdefY5 "
                         "P0123456789abcdefZ4 Pa2 Pa" + std::string(1, '\0') +
                         "7 Mb1 Pb3 ");
}

}  // namespace
}  // namespace riskflow::engine
