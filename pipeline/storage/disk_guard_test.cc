#include "pipeline/storage/disk_guard.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/storage/small_disk.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

namespace riskflow::storage {
namespace {

using ::testing::HasSubstr;

TEST(DiskGuard, RefusesBelowTheReserveAndReopens) {
  ScopedTempDir dir;
  std::atomic<uint64_t> free{100 << 20};
  DiskGuardOptions options;
  options.dir = dir.path();
  options.min_free_bytes = 10 << 20;
  options.free_bytes = [&free](const std::string&) -> absl::StatusOr<uint64_t> {
    return free.load();
  };
  DiskGuard guard(options);
  guard.Refresh();
  EXPECT_TRUE(guard.CheckWritable().ok());
  EXPECT_EQ(guard.free_bytes(), 100u << 20);

  free = 3 << 20;
  guard.Refresh();
  absl::Status s = guard.CheckWritable();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("disk full"));
  EXPECT_THAT(s.message(), HasSubstr(dir.path()));
  EXPECT_THAT(s.message(), HasSubstr("3145728 bytes free"));
  EXPECT_THAT(s.message(), HasSubstr("--min_free_disk_mb"));
  EXPECT_EQ(guard.closings(), 1u);
  EXPECT_EQ(guard.refusals(), 1u);

  free = 11 << 20;
  guard.Refresh();
  EXPECT_TRUE(guard.CheckWritable().ok());
}

TEST(DiskGuard, BackgroundThreadNoticesWithinAFewRefreshes) {
  ScopedTempDir dir;
  std::atomic<uint64_t> free{100 << 20};
  DiskGuardOptions options;
  options.dir = dir.path();
  options.min_free_bytes = 10 << 20;
  options.refresh = absl::Milliseconds(10);
  options.free_bytes = [&free](const std::string&) -> absl::StatusOr<uint64_t> {
    return free.load();
  };
  DiskGuard guard(options);
  guard.Start();
  EXPECT_TRUE(guard.CheckWritable().ok());
  free = 1;
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (guard.CheckWritable().ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_FALSE(guard.CheckWritable().ok());
  guard.Stop();
}

TEST(MountPointOf, FindsTheFilesystemRoot) {
  ScopedTempDir dir;
  const std::string mp = MountPointOf(dir.path());
  EXPECT_FALSE(mp.empty());
  EXPECT_EQ(dir.path().rfind(mp == "/" ? "/" : mp, 0), 0u) << mp;
}

// A real RocksDB store on a 16 MB tmpfs: filling the disk stops the store
// with an error (no abort), the guard refuses, and once the filler is gone
// the guard resumes the store and writes go through again.
class SmallDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto disk = SmallDisk::Mount(tmp_.path() + "/mnt", 16);
    if (!disk.ok()) {
      GTEST_SKIP() << "cannot mount a small tmpfs here (" << disk.status()
                   << "); the disk-full store tests need root";
    }
    disk_ = std::move(*disk);
    mount_dir_ = disk_->path();
  }
  void Fill(const std::string& path, uint64_t leave) {
    ASSERT_TRUE(disk_->Fill(path, leave).ok());
  }

  ScopedTempDir tmp_;
  std::unique_ptr<SmallDisk> disk_;
  std::string mount_dir_;
};

TEST_F(SmallDiskTest, StoreStopsOnFullDiskAndResumesWhenSpaceReturns) {
  StoreOptions so;
  so.name = "engine";
  so.block_cache_bytes = 1 << 20;
  // No flush before the disk is full: the WAL append fails while the
  // memtable holds data, the case Resume() recovers in place (see
  // WalFailureWithEmptyMemtables... for the other).
  const std::string data = mount_dir_ + "/data";
  auto store = Store::Open(data, so);
  ASSERT_TRUE(store.ok()) << store.status();

  DiskGuardOptions options;
  options.dir = data;
  options.min_free_bytes = 1 << 20;
  DiskGuard guard(options);
  guard.AddStore(store->get());
  guard.Refresh();
  ASSERT_TRUE(guard.CheckWritable().ok());

  const std::string value(4096, 'v');
  {
    // Some data in the memtables, as in a running daemon (see
    // Store::Resume for the case without).
    rocksdb::WriteBatch batch;
    batch.Put((*store)->handle(Cf::kState), "before", value);
    ASSERT_TRUE((*store)->Write(&batch, true).ok());
  }
  const std::string filler = mount_dir_ + "/filler";
  Fill(filler, 0);
  absl::Status failed;
  int i = 0;
  for (; i < 20000 && failed.ok(); ++i) {
    rocksdb::WriteBatch batch;
    batch.Put((*store)->handle(Cf::kState), absl::StrCat("k", i), value);
    failed = (*store)->Write(&batch, /*sync=*/true);
  }
  ASSERT_FALSE(failed.ok()) << "the disk never filled";
  EXPECT_THAT(failed.message(), HasSubstr("No space left"));
  // Later writes fail fast (no abort on a writer that saw an error).
  for (int j = 0; j < 50; ++j) {
    rocksdb::WriteBatch batch;
    batch.Put((*store)->handle(Cf::kState), absl::StrCat("again", j), value);
    EXPECT_FALSE((*store)->Write(&batch, true).ok());
  }
  guard.Refresh();
  absl::Status refused = guard.CheckWritable();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr(mount_dir_));

  ASSERT_EQ(unlink(filler.c_str()), 0);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!guard.CheckWritable().ok() && absl::Now() < deadline) {
    guard.Refresh();
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(guard.CheckWritable().ok()) << guard.CheckWritable();
  EXPECT_FALSE((*store)->write_stopped());
  rocksdb::WriteBatch batch;
  batch.Put((*store)->handle(Cf::kState), "after", "resume");
  ASSERT_TRUE((*store)->Write(&batch, true).ok());
  std::string v;
  ASSERT_TRUE(*(*store)->Get(Cf::kState, "before", &v));
  ASSERT_TRUE(*(*store)->Get(Cf::kState, "after", &v));
  EXPECT_EQ(v, "resume");
}

TEST_F(SmallDiskTest, WalFailureWithEmptyMemtablesStaysStoppedNotAborted) {
  StoreOptions so;
  so.name = "engine";
  const std::string data = mount_dir_ + "/data";
  auto store = Store::Open(data, so);
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string filler = mount_dir_ + "/filler";
  Fill(filler, 0);
  rocksdb::WriteBatch batch;
  batch.Put((*store)->handle(Cf::kState), "k", std::string(8192, 'v'));
  ASSERT_FALSE((*store)->Write(&batch, true).ok());
  ASSERT_EQ(unlink(filler.c_str()), 0);
  absl::Status resumed = (*store)->Resume();
  EXPECT_EQ(resumed.code(), absl::StatusCode::kFailedPrecondition) << resumed;
  EXPECT_THAT(resumed.message(), HasSubstr("restart"));
  EXPECT_TRUE((*store)->write_stopped());
  EXPECT_FALSE((*store)->Write(&batch, true).ok());  // refused, no abort
  store->reset();
  auto reopened = Store::Open(data, so);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_TRUE((*reopened)->Write(&batch, true).ok());
}

TEST_F(SmallDiskTest, OpensWithAboutOneMegabyteFree) {
  const std::string data = mount_dir_ + "/data";
  StoreOptions so;
  so.name = "log";
  {
    auto store = Store::Open(data, so);
    ASSERT_TRUE(store.ok()) << store.status();
    const std::string value(1024, 'v');
    for (int i = 0; i < 2000; ++i) {
      rocksdb::WriteBatch batch;
      batch.Put((*store)->handle(Cf::kLog), absl::StrCat("k", i), value);
      ASSERT_TRUE((*store)->Write(&batch, false).ok());
    }
  }
  Fill(mount_dir_ + "/filler", 1 << 20);
  auto store = Store::Open(data, so);
  ASSERT_TRUE(store.ok()) << store.status();
  std::string v;
  ASSERT_TRUE(*(*store)->Get(Cf::kLog, "k1999", &v));
}

}  // namespace
}  // namespace riskflow::storage
