// A clean stop leaves the engine store with no write-ahead log to replay:
// the daemon flushes its stores at Shutdown (pipeline/server/store_flush.h),
// because a WAL left behind is replayed at every later start (seconds at
// 1M events; docs/segment-log.md, "Startup after the clean-stop flush").
// And what was flushed is all there after the restart.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

// Decisions in every sink (PASS has none).
size_t SinkDecisions(TestDaemon& daemon) {
  size_t n = 0;
  for (riskflow::v1::Route route :
       {riskflow::v1::NOTIFY,
        riskflow::v1::MANUAL_REVIEW, riskflow::v1::FREEZE}) {
    absl::StatusOr<std::vector<riskflow::v1::Decision>> d =
        daemon.ReadSink(route);
    EXPECT_TRUE(d.ok()) << d.status();
    if (d.ok()) n += d->size();
  }
  return n;
}

// Bytes in the WAL files (*.log) of a RocksDB directory.
uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size();
  }
  return bytes;
}

TEST(StopFlushTest, CleanStopLeavesNoEngineWalAndKeepsTheDecisions) {
  absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start();
  ASSERT_TRUE(d.ok()) << d.status();
  TestDaemon& daemon = **d;
  constexpr int kEvents = 400;
  for (int b = 0; b < 4; ++b) {
    std::vector<riskflow::v1::Event> events;
    for (int i = 0; i < kEvents / 4; ++i) {
      const int n = b * (kEvents / 4) + i;
      // A PAYOUT >= 100,000 CNY: every event gets a non-PASS decision.
      events.push_back(Payout(absl::StrCat("sf-", n),
                              absl::StrCat("acct-sf-", n % 20), "shop",
                              20000000, "CNY", kT0 + n * 10));
    }
    absl::StatusOr<riskflow::v1::PublishAck> ack =
        daemon.PublishOne(b + 1, std::move(events));
    ASSERT_TRUE(ack.ok()) << ack.status();
  }
  ASSERT_TRUE(daemon.WaitProcessed().ok());
  const size_t decided = SinkDecisions(daemon);
  ASSERT_GE(decided, static_cast<size_t>(kEvents));
  const std::string engine_dir = daemon.data_dir() + "/engine";
  // Without the flush the engine WAL holds every decision and outbox
  // entry written above (tens of KB).
  ASSERT_GT(WalBytes(engine_dir), 8192u);

  daemon.Shutdown();
  EXPECT_LT(WalBytes(engine_dir), 1024u);

  ASSERT_TRUE(daemon.Restart().ok());
  ASSERT_TRUE(daemon.WaitProcessed().ok());
  EXPECT_EQ(SinkDecisions(daemon), decided);
}

}  // namespace
}  // namespace riskflow::e2e
