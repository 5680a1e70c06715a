// riskflowd's --event_log choice on real data directories: a fresh one gets
// segment files (the default), one whose RocksDB log holds events keeps the
// RocksDB log under the default and is refused with --event_log=segments,
// naming the flag; its logged ids are still recognised.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/acks.h"
#include "tests/daemon_process.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1767225600000;

std::vector<v1::PublishRequest> TenEvents() {
  std::vector<v1::Event> events;
  for (int i = 0; i < 10; ++i) {
    events.push_back(Payment(absl::StrCat("b-", i), "acct", "shop", 100 + i,
                             "CNY", kT0 + i));
  }
  return Batches(events, 10);
}

size_t Segments(const std::string& data_dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(
           data_dir + "/log-segments", ec)) {
    n += e.path().extension() == ".seg";
  }
  return n;
}

// Publishes the ten events; how many acks called them duplicates.
size_t PublishAndCountDuplicates(int port) {
  Clients c(MakeChannel(port));
  const std::vector<v1::PublishRequest> batches = TenEvents();
  std::vector<v1::PublishAck> acks;
  grpc::Status s = PublishBatches(c.ingest.get(), batches, &acks);
  EXPECT_TRUE(s.ok()) << s.error_message();
  auto acked = AckedEvents(batches, acks);
  EXPECT_TRUE(acked.ok()) << acked.status();
  size_t duplicates = 0;
  if (acked.ok()) {
    EXPECT_EQ(acked->size(), 10u);
    for (const auto& [id, a] : *acked) duplicates += a.duplicate;
  }
  return duplicates;
}

TEST(EventLogBackendTest, FreshDataDirGetsSegments) {
  const std::string dir = MakeTempDir("riskflow-backend");
  auto d = DaemonProcess::Start(RiskflowdPath(), dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(PublishAndCountDuplicates((*d)->port()), 0u);
  ASSERT_TRUE((*d)->Terminate().ok());
  EXPECT_GT(Segments(dir), 0u);
  d = DaemonProcess::Start(RiskflowdPath(), dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(PublishAndCountDuplicates((*d)->port()), 10u);
  ASSERT_TRUE((*d)->Terminate().ok());
}

TEST(EventLogBackendTest, RocksDbDataDirKeepsItsLog) {
  const std::string dir = MakeTempDir("riskflow-backend");
  auto d = DaemonProcess::Start(RiskflowdPath(), dir, {"--event_log=rocksdb"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(PublishAndCountDuplicates((*d)->port()), 0u);
  ASSERT_TRUE((*d)->Terminate().ok());

  // The default (auto) stays on the RocksDB log: the ids are known.
  d = DaemonProcess::Start(RiskflowdPath(), dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(PublishAndCountDuplicates((*d)->port()), 10u);
  ASSERT_TRUE((*d)->Terminate().ok());
  EXPECT_EQ(Segments(dir), 0u);

  // Asking for segments explicitly is refused, naming the flag.
  const std::string err = dir + ".stderr";
  auto refused = DaemonProcess::Spawn(RiskflowdPath(), dir,
                                      {"--event_log=segments"}, err);
  ASSERT_TRUE(refused.ok()) << refused.status();
  absl::StatusOr<int> status = (*refused)->WaitExit(absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0);
  std::stringstream text;
  text << std::ifstream(err).rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("--event_log=rocksdb"));
  EXPECT_EQ(Segments(dir), 0u);
}

// The idempotency index's table is sized once for the horizon: a horizon
// past its bound is refused with the bound, not clamped.
TEST(EventLogBackendTest, DedupeHorizonAboveTheIndexBoundIsRefused) {
  const std::string dir = MakeTempDir("riskflow-horizon");
  const std::string err = dir + ".stderr";
  auto refused = DaemonProcess::Spawn(RiskflowdPath(), dir,
                                      {"--dedupe_horizon=2147483648"}, err);
  ASSERT_TRUE(refused.ok()) << refused.status();
  absl::StatusOr<int> status = (*refused)->WaitExit(absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
  std::stringstream text;
  text << std::ifstream(err).rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("--dedupe_horizon must be at most "
                                    "2147483647 (got 2147483648)"));
}

TEST(EventLogBackendTest, LogThreadsOutsideOneToFourAreRefused) {
  for (const char* flag : {"--log_threads=0", "--log_threads=5"}) {
    const std::string dir = MakeTempDir("riskflow-log-threads");
    const std::string err = dir + ".stderr";
    auto refused = DaemonProcess::Spawn(RiskflowdPath(), dir, {flag}, err);
    ASSERT_TRUE(refused.ok()) << refused.status();
    absl::StatusOr<int> status = (*refused)->WaitExit(absl::Seconds(60));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << flag;
    std::stringstream text;
    text << std::ifstream(err).rdbuf();
    EXPECT_THAT(text.str(), HasSubstr("--log_threads must be between 1 and 4"))
        << flag;
  }
}

}  // namespace
}  // namespace riskflow::e2e
