// riskflowd on a 24 MB tmpfs (a private mount namespace of this test; the
// daemon child inherits it): with the disk filled below --min_free_disk_mb,
// Publish and Evaluate are refused with RESOURCE_EXHAUSTED naming the disk,
// the daemon stays up and answers health, and once the filler is removed
// publishing works again without a restart. A restart with about 1 MB free
// opens and serves; nothing acknowledged is lost, every acked event is
// decided. Skips where the test may not mount (not root).
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/storage/small_disk.h"
#include "tests/daemon_process.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using ::testing::HasSubstr;

constexpr int kMinFreeMb = 4;

std::vector<Event> Events(const std::string& prefix, int n, int64_t t0) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Payment(absl::StrCat(prefix, "-", i),
                          absl::StrCat("acct-", i % 20), "shop", 1000 + i,
                          "EUR", t0 + i * 10));
  }
  return out;
}

// Publishes one batch; the stream's status and the accepted count.
grpc::Status PublishOne(Clients& c, uint64_t batch_id,
                        const std::vector<Event>& events, uint32_t* accepted) {
  std::vector<PublishAck> acks;
  grpc::Status s =
      PublishBatches(c.ingest.get(), {Batch(batch_id, events)}, &acks);
  *accepted = 0;
  for (const PublishAck& a : acks) *accepted += a.accepted();
  return s;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir("disk_full");
    auto disk = storage::SmallDisk::Mount(root_ + "/mnt", 24);
    if (!disk.ok()) {
      GTEST_SKIP() << "cannot mount a 24 MB tmpfs (" << disk.status()
                   << "); the disk-full test needs root";
    }
    disk_ = std::move(*disk);
    data_ = disk_->path() + "/data";
    filler_ = disk_->path() + "/filler";
  }

  absl::StatusOr<std::unique_ptr<DaemonProcess>> StartDaemon() {
    return DaemonProcess::Start(
        RiskflowdPath(), data_,
        {absl::StrCat("--min_free_disk_mb=", kMinFreeMb), "--shards=2"});
  }

  std::string root_;
  std::unique_ptr<storage::SmallDisk> disk_;
  std::string data_;
  std::string filler_;
};

TEST_F(DiskFullTest, RefusesNamingTheDiskSurvivesAndResumesByItself) {
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  Clients c(MakeChannel((*daemon)->port()));
  uint32_t acked = 0;
  uint32_t accepted = 0;
  ASSERT_TRUE(PublishOne(c, 1, Events("a", 200, kT0), &accepted).ok());
  ASSERT_EQ(accepted, 200u);
  acked += accepted;

  // Below the reserve: refused before RocksDB sees a single byte.
  ASSERT_TRUE(disk_->Fill(filler_, 1 << 20).ok());
  grpc::Status refused;
  for (int i = 0; i < 100; ++i) {
    refused = PublishOne(c, 2, Events("b", 100, kT0 + kMinute), &accepted);
    if (!refused.ok()) break;
    acked += accepted;  // the guard had not measured yet
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("disk full"));
  EXPECT_THAT(refused.error_message(), HasSubstr(disk_->path()));
  EXPECT_THAT(refused.error_message(), HasSubstr("bytes free"));
  riskflow::v1::EvaluateResponse evaluated;
  grpc::Status eval = Evaluate(c.ingest.get(), Payment("e-1", "acct-e", "x",
                                                       5, "EUR", kT0 + kMinute),
                               absl::Seconds(10), &evaluated);
  EXPECT_EQ(eval.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(eval.error_message(), HasSubstr("disk full"));
  // Alive and answering.
  auto health = GetHealth(c.admin.get());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(kill((*daemon)->pid(), 0), 0);

  // Space returns: publishing works again, no restart.
  ASSERT_EQ(unlink(filler_.c_str()), 0);
  grpc::Status resumed;
  for (int i = 0; i < 100; ++i) {
    resumed = PublishOne(c, 3, Events("c", 100, kT0 + 2 * kMinute), &accepted);
    if (resumed.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(resumed.ok()) << resumed.error_message();
  EXPECT_EQ(accepted, 100u);
  acked += accepted;

  ASSERT_TRUE(WaitProcessed(c.admin.get()).ok());
  health = GetHealth(c.admin.get());
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->durable_sequence(), acked);
  EXPECT_EQ(health->processed_sequence(), acked);
  auto code = (*daemon)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);

  // A restart with about 1 MB free opens, recovers and serves (refusing
  // new events until space returns), and still holds everything acked.
  ASSERT_TRUE(disk_->Fill(filler_, 1 << 20).ok());
  ASSERT_LT(disk_->FreeBytes(), uint64_t{3} << 20);
  auto again = StartDaemon();
  ASSERT_TRUE(again.ok()) << again.status();
  Clients c2(MakeChannel((*again)->port()));
  health = GetHealth(c2.admin.get());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->durable_sequence(), acked);
  EXPECT_EQ(health->processed_sequence(), acked);
  grpc::Status low = PublishOne(c2, 4, Events("d", 10, kT0 + 3 * kMinute),
                                &accepted);
  EXPECT_EQ(low.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_EQ(unlink(filler_.c_str()), 0);
  grpc::Status later;
  for (int i = 0; i < 100; ++i) {
    later = PublishOne(c2, 5, Events("d", 10, kT0 + 3 * kMinute), &accepted);
    if (later.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(later.ok()) << later.error_message();
  ASSERT_TRUE(WaitProcessed(c2.admin.get()).ok());
  health = GetHealth(c2.admin.get());
  EXPECT_EQ(health->processed_sequence(), acked + 10);
  auto code2 = (*again)->Terminate();
  ASSERT_TRUE(code2.ok()) << code2.status();
  EXPECT_EQ(*code2, 0);
}

}  // namespace
}  // namespace riskflow::e2e
