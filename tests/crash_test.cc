// riskflowd as a subprocess, SIGKILLed in the middle of a Publish stream and
// started again on the same data dir: every acknowledged event is in the
// log, every event is decided exactly once, and SIGTERM exits cleanly.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/acks.h"
#include "tests/daemon_process.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using riskflow::v1::PublishRequest;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

constexpr int kAccounts = 100;
constexpr int kBatchSize = 25;
// Batches in flight on the stream before the writer waits for acks.
constexpr size_t kWindow = 4;
// The daemon is killed right after this many batches were written.
constexpr size_t kKillAfter = 24;

// 100 accounts x 8 payments 1 s apart (the 6th, 7th and 8th NOTIFY), then
// a large payout per account (MANUAL_REVIEW, and NOTIFY too: a payout is
// the 9th money event in the minute) and a login (PASS): 1000 events in 40
// batches, event time rising by 10 ms per event.
std::vector<Event> CraftedStream(std::vector<std::string>* notify_ids,
                                 std::vector<std::string>* review_ids) {
  std::vector<Event> events;
  for (int round = 0; round < 10; ++round) {
    for (int a = 0; a < kAccounts; ++a) {
      const int64_t t = kT0 + static_cast<int64_t>(events.size()) * 10;
      const std::string account = absl::StrCat("acct-c-", a);
      const std::string id = absl::StrCat("c-", a, "-", round);
      if (round < 8) {
        events.push_back(Payment(id, account, "shop", 2500, "CNY", t));
        if (round >= 5) notify_ids->push_back(id);
      } else if (round == 8) {
        events.push_back(
            Payout(id, account, absl::StrCat("payee-", a), 10000000, "CNY", t));
        review_ids->push_back(id);
        notify_ids->push_back(id);
      } else {
        events.push_back(Login(id, account, t));
      }
    }
  }
  return events;
}

// Streams batches with at most kWindow unacknowledged and SIGKILLs the
// daemon right after writing batch kKillAfter - 1, while batches are in
// flight. Returns the acks that arrived.
std::vector<PublishAck> PublishUntilKilled(
    DaemonProcess* daemon, const std::vector<PublishRequest>& batches) {
  Clients client(MakeChannel(daemon->port()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  auto stream = client.ingest->Publish(&context);
  absl::Mutex mu;
  std::vector<PublishAck> acks;
  bool reader_done = false;
  std::thread reader([&] {
    PublishAck ack;
    while (stream->Read(&ack)) {
      absl::MutexLock lock(&mu);
      acks.push_back(ack);
    }
    absl::MutexLock lock(&mu);
    reader_done = true;
  });
  for (size_t i = 0; i < kKillAfter; ++i) {
    {
      absl::MutexLock lock(&mu);
      auto room = [&]() { return reader_done || acks.size() + kWindow > i; };
      mu.AwaitWithTimeout(absl::Condition(&room), kRpcTimeout);
      if (reader_done) break;
    }
    if (!stream->Write(batches[i])) break;
  }
  EXPECT_TRUE(daemon->Kill().ok());
  context.TryCancel();
  reader.join();
  stream->Finish().IgnoreError();
  absl::MutexLock lock(&mu);
  return acks;
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkillAndAreDecidedOnce) {
  std::vector<std::string> notify_ids, review_ids;
  const std::vector<Event> events = CraftedStream(&notify_ids, &review_ids);
  const std::vector<PublishRequest> batches = Batches(events, kBatchSize, 1);
  ASSERT_EQ(batches.size(), 40u);
  const std::string data_dir = MakeTempDir("riskflow-crash");
  ASSERT_FALSE(data_dir.empty());

  absl::StatusOr<std::unique_ptr<DaemonProcess>> first =
      DaemonProcess::Start(RiskflowdPath(), data_dir);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::vector<PublishAck> acks =
      PublishUntilKilled(first->get(), batches);
  absl::StatusOr<std::map<std::string, AckedEvent>> acked =
      AckedEvents(batches, acks);
  ASSERT_TRUE(acked.ok()) << acked.status();
  // The writer waited for acks up to kKillAfter - kWindow batches.
  ASSERT_GE(acks.size(), kKillAfter - kWindow);
  ASSERT_LT(acks.size(), batches.size());
  for (const PublishAck& ack : acks) {
    EXPECT_THAT(ack.errors(), IsEmpty());
    EXPECT_THAT(ack.duplicates(), IsEmpty());
  }

  // A start stopped (SIGTERM) as soon as it serves, i.e. while it may still
  // re-run the log after its checkpoints: it exits cleanly and leaves
  // nothing half-decided for the next start (checked below).
  {
    absl::StatusOr<std::unique_ptr<DaemonProcess>> stopped =
        DaemonProcess::Start(RiskflowdPath(), data_dir);
    ASSERT_TRUE(stopped.ok()) << stopped.status();
    absl::StatusOr<int> code = (*stopped)->Terminate();
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0);
  }

  absl::StatusOr<std::unique_ptr<DaemonProcess>> second =
      DaemonProcess::Start(RiskflowdPath(), data_dir);
  ASSERT_TRUE(second.ok()) << second.status();
  Clients client(MakeChannel((*second)->port()));
  uint64_t max_acked = 0;
  for (const auto& [id, a] : *acked)
    max_acked = std::max(max_acked, a.sequence);
  {
    absl::StatusOr<riskflow::v1::Health> h = GetHealth(client.admin.get());
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_GE(h->durable_sequence(), max_acked);
  }

  // Re-publishing the whole stream: every acked id is a duplicate under
  // its original sequence; what was not acked is logged at most once.
  std::vector<PublishAck> again;
  grpc::Status s = PublishBatches(client.ingest.get(), batches, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(again.size(), batches.size());
  absl::StatusOr<std::map<std::string, AckedEvent>> all =
      AckedEvents(batches, again);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), events.size());
  for (const auto& [id, a] : *acked) {
    EXPECT_TRUE(all->at(id).duplicate) << id;
    EXPECT_EQ(all->at(id).sequence, a.sequence) << id;
  }
  std::set<uint64_t> sequences;
  for (const auto& [id, a] : *all) sequences.insert(a.sequence);
  EXPECT_EQ(sequences.size(), events.size());
  EXPECT_EQ(*sequences.begin(), 1u);
  EXPECT_EQ(*sequences.rbegin(), events.size());

  ASSERT_TRUE(WaitProcessed(client.admin.get()).ok());
  auto check_sink = [&](riskflow::v1::Route route,
                        const std::vector<std::string>& expected) {
    SCOPED_TRACE(riskflow::v1::Route_Name(route));
    absl::StatusOr<std::vector<Decision>> sink =
        ReadSink(client.sinks.get(), route);
    ASSERT_TRUE(sink.ok()) << sink.status();
    EXPECT_THAT(EventIds(*sink), UnorderedElementsAreArray(expected));
    std::set<std::string> ids;
    for (size_t i = 0; i < sink->size(); ++i) {
      const Decision& d = (*sink)[i];
      EXPECT_TRUE(ids.insert(d.decision_id()).second) << d.decision_id();
      EXPECT_EQ(d.sink_sequence(), i + 1);
      EXPECT_EQ(d.sequence(), all->at(d.event_id()).sequence) << d.event_id();
    }
  };
  check_sink(riskflow::v1::NOTIFY, notify_ids);
  check_sink(riskflow::v1::MANUAL_REVIEW, review_ids);
  check_sink(riskflow::v1::FREEZE, {});
  absl::StatusOr<riskflow::v1::Health> h = GetHealth(client.admin.get());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->durable_sequence(), events.size());
  EXPECT_EQ(h->sink_notify(), notify_ids.size());
  EXPECT_EQ(h->sink_manual_review(), review_ids.size());
  EXPECT_EQ(h->sink_freeze(), 0u);

  absl::StatusOr<int> code = (*second)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace riskflow::e2e
