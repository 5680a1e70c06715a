// The event-log source: a log written by the real EventLog, read back
// read-only with filters.
#include "pipeline/replay/log_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::replay {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1767225600000;

riskflow::v1::Event Ev(const std::string& id, const std::string& channel,
                       const std::string& account, int64_t t) {
  riskflow::v1::Event e;
  e.set_event_id(id);
  e.set_channel_id(channel);
  e.set_account_id(account);
  e.set_event_time_ms(t);
  return e;
}

class LogSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A data directory as riskflowd lays it out: the log in log/.
    auto store =
        storage::Store::Open(dir_.path() + "/log", storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    log::EventLog log(store->get(), log::EventLog::Options(),
                      [](std::vector<log::LoggedEvent>) {});
    ASSERT_TRUE(log.Open().ok());
    log.Start();
    auto ticket = log.Submit({Ev("e1", "cards", "a1", kT0),
                              Ev("e2", "wallet", "a2", kT0 + 10),
                              Ev("e3", "cards", "a2", kT0 + 20),
                              Ev("e1", "cards", "a1", kT0),  // duplicate
                              Ev("e4", "rails", "a1", kT0 + 30)},
                             absl::Seconds(5));
    ASSERT_TRUE(ticket.ok());
    ASSERT_TRUE((*ticket)->Wait().ok());
    log.Stop();
  }

  std::vector<std::string> Ids(const LogFilter& filter) {
    auto source = OpenLogSource(dir_.path(), filter);
    EXPECT_TRUE(source.ok()) << source.status();
    if (!source.ok()) return {};
    std::vector<std::string> ids;
    riskflow::v1::Event e;
    while (true) {
      absl::StatusOr<bool> more = (*source)->Next(&e);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      ids.push_back(e.event_id());
    }
    return ids;
  }

  storage::ScopedTempDir dir_;
};

TEST_F(LogSourceTest, ReadsEveryLoggedEventInSequenceOrder) {
  EXPECT_THAT(Ids({}), ElementsAre("e1", "e2", "e3", "e4"));
}

TEST_F(LogSourceTest, FiltersByTimeChannelAndAccount) {
  LogFilter time;
  time.from_ms = kT0 + 10;
  time.to_ms = kT0 + 30;  // exclusive
  EXPECT_THAT(Ids(time), ElementsAre("e2", "e3"));
  LogFilter channels;
  channels.channels = {"cards", "rails"};
  EXPECT_THAT(Ids(channels), ElementsAre("e1", "e3", "e4"));
  LogFilter both;
  both.channels = {"cards"};
  both.accounts = {"a2"};
  EXPECT_THAT(Ids(both), ElementsAre("e3"));
}

TEST_F(LogSourceTest, PositionAndProgressFollowSequences) {
  auto source = OpenLogSource(dir_.path() + "/log", {});  // the log dir too
  ASSERT_TRUE(source.ok()) << source.status();
  riskflow::v1::Event e;
  ASSERT_TRUE(*(*source)->Next(&e));
  ASSERT_TRUE(*(*source)->Next(&e));
  EXPECT_THAT((*source)->Position(), HasSubstr("/log seq 2"));
  std::optional<SourceProgress> p = (*source)->Progress();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->done, 2u);
  EXPECT_EQ(p->total, 4u);
}

TEST_F(LogSourceTest, OpensWhileTheLogIsOpenForWriting) {
  // Read-only opens take no lock, so a running daemon's log can be read.
  auto store =
      storage::Store::Open(dir_.path() + "/log", storage::StoreOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(Ids({}), ElementsAre("e1", "e2", "e3", "e4"));
}

TEST_F(LogSourceTest, ErrorsNameTheDirectory) {
  auto missing = OpenLogSource(dir_.path() + "/nope", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(),
              HasSubstr("no riskflowd event log in " + dir_.path() + "/nope"));
  LogFilter backwards;
  backwards.from_ms = 5;
  backwards.to_ms = 5;
  EXPECT_THAT(OpenLogSource(dir_.path(), backwards).status().message(),
              HasSubstr("--from_ms (5) must be before --to_ms (5)"));
}


// The same data directory written by riskflowd --event_log=segments: the
// records are in log-segments/, the log/ RocksDB holds none.
class SegmentLogSourceTest : public LogSourceTest {
 protected:
  void SetUp() override {
    auto store =
        storage::Store::Open(dir_.path() + "/log", storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    log::EventLog::Options options;
    options.backend = log::EventLog::Options::Backend::kSegments;
    options.segment_dir = dir_.path() + "/log-segments";
    options.segment_bytes = 64;  // one group per segment
    log::EventLog log(store->get(), options,
                      [](std::vector<log::LoggedEvent>) {});
    ASSERT_TRUE(log.Open().ok());
    log.Start();
    for (auto& batch : std::vector<std::vector<riskflow::v1::Event>>{
             {Ev("e1", "cards", "a1", kT0), Ev("e2", "wallet", "a2", kT0 + 10)},
             {Ev("e3", "cards", "a2", kT0 + 20), Ev("e1", "cards", "a1", kT0)},
             {Ev("e4", "rails", "a1", kT0 + 30)}}) {
      auto ticket = log.Submit(std::move(batch), absl::Seconds(5));
      ASSERT_TRUE(ticket.ok());
      ASSERT_TRUE((*ticket)->Wait().ok());
    }
    log.Stop();
  }
};

TEST_F(SegmentLogSourceTest, ReadsEveryLoggedEventAcrossSegments) {
  EXPECT_THAT(Ids({}), ElementsAre("e1", "e2", "e3", "e4"));
  LogFilter both;
  both.channels = {"cards"};
  both.accounts = {"a2"};
  EXPECT_THAT(Ids(both), ElementsAre("e3"));
  auto source = OpenLogSource(dir_.path() + "/log-segments", {});
  ASSERT_TRUE(source.ok()) << source.status();
  riskflow::v1::Event e;
  ASSERT_TRUE(*(*source)->Next(&e));
  ASSERT_TRUE(*(*source)->Next(&e));
  EXPECT_THAT((*source)->Position(), HasSubstr("/log-segments seq 2"));
  std::optional<SourceProgress> p = (*source)->Progress();
  ASSERT_TRUE(p.has_value());
  EXPECT_GT(p->done, 0u);
  EXPECT_LT(p->done, p->total);
}

TEST_F(SegmentLogSourceTest, AHalfWrittenTailEndsTheStream) {
  // A record being written (or torn by a crash) at the end of the last
  // segment: what is whole before it is read, nothing is repaired.
  std::vector<std::string> segments;
  for (const auto& f :
       std::filesystem::directory_iterator(dir_.path() + "/log-segments")) {
    if (f.path().extension() == ".seg") segments.push_back(f.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u);
  // The records end before the zeros of a prepared segment file
  // (docs/segment-log.md, "Prepared segment files"): cut 2 bytes off the
  // last record itself.
  std::string data;
  {
    std::ifstream in(segments.back(), std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t end = data.size();
  while (end > 0 && data[end - 1] == '\0') --end;
  ASSERT_GT(end, 2u);
  const uint64_t size = end - 2;
  std::filesystem::resize_file(segments.back(), size);
  EXPECT_THAT(Ids({}), ElementsAre("e1", "e2", "e3"));
  EXPECT_EQ(std::filesystem::file_size(segments.back()), size);
}

}  // namespace
}  // namespace riskflow::replay
