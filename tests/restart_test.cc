// Stops and restarts the in-process daemon on the same data dir in the
// middle of a stream: nothing acknowledged is lost or decided twice, sink
// sequences continue, window state and consumer cursors survive.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/acks.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using riskflow::v1::PublishRequest;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

constexpr int kAccounts = 10;
constexpr int kRounds = 8;  // payments per account, 1 s apart

std::string BurstId(int account, int round) {
  return absl::StrCat("ra-", account, "-", round);
}

// Round `round` of the burst: one payment per account.
std::vector<Event> Round(int round) {
  std::vector<Event> events;
  for (int a = 0; a < kAccounts; ++a) {
    events.push_back(Payment(BurstId(a, round), absl::StrCat("acct-ra-", a),
                             "shop", 1500, "CNY",
                             kT0 + round * kSecond + a * 10));
  }
  return events;
}

std::vector<uint64_t> OneTo(uint64_t n) {
  std::vector<uint64_t> v;
  for (uint64_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start();
    ASSERT_TRUE(d.ok()) << d.status();
    daemon_ = *std::move(d);
  }

  // Publishes, checks every event was accepted and records its sequence.
  void PublishAccepted(const std::vector<PublishRequest>& batches) {
    std::vector<PublishAck> acks;
    grpc::Status s = daemon_->Publish(batches, &acks);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(acks.size(), batches.size());
    absl::StatusOr<std::map<std::string, AckedEvent>> acked =
        AckedEvents(batches, acks);
    ASSERT_TRUE(acked.ok()) << acked.status();
    for (const auto& [id, a] : *acked) {
      ASSERT_FALSE(a.duplicate) << id;
      ASSERT_TRUE(sequences_.emplace(id, a.sequence).second) << id;
      events_by_id_[id] = FindEvent(batches, id);
    }
  }

  static Event FindEvent(const std::vector<PublishRequest>& batches,
                         const std::string& id) {
    for (const PublishRequest& b : batches) {
      for (const Event& e : b.events()) {
        if (e.event_id() == id) return e;
      }
    }
    return Event();
  }

  std::vector<Decision> Sink(riskflow::v1::Route route) {
    absl::StatusOr<std::vector<Decision>> d = daemon_->ReadSink(route);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : std::vector<Decision>();
  }

  std::unique_ptr<TestDaemon> daemon_;
  std::map<std::string, uint64_t> sequences_;
  std::map<std::string, Event> events_by_id_;
};

TEST_F(RestartTest, StateSequencesAndCursorsSurviveARestartMidStream) {
  // Before the restart: four rounds of the burst (below the limit of 5),
  // one account that reaches NOTIFY, one large payout.
  std::vector<Event> before;
  for (int r = 0; r < 4; ++r) {
    std::vector<Event> round = Round(r);
    before.insert(before.end(), round.begin(), round.end());
  }
  for (int i = 0; i < 6; ++i) {
    before.push_back(Payment(absl::StrCat("rn-", i), "acct-rn", "shop", 700,
                             "USD", kT0 + i * kSecond));
  }
  before.push_back(
      Payout("rs-big-1", "acct-big", "payee", 10000000, "CNY", kT0 + 4500));
  PublishAccepted(Batches(before, 10, 1));
  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  std::vector<Decision> notify_before = Sink(riskflow::v1::NOTIFY);
  ASSERT_THAT(EventIds(notify_before), ElementsAre("rn-5"));
  ASSERT_THAT(EventIds(Sink(riskflow::v1::MANUAL_REVIEW)),
              ElementsAre("rs-big-1"));

  // A downstream consumer has handled the NOTIFY backlog.
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    riskflow::v1::CommitCursorRequest request;
    request.set_sink(riskflow::v1::NOTIFY);
    request.set_consumer("ops-console");
    request.set_sequence(1);
    riskflow::v1::CommitCursorResponse response;
    grpc::Status s =
        daemon_->sinks()->CommitCursor(&context, request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.sequence(), 1u);
  }
  const uint64_t last_before = before.size();
  {
    absl::StatusOr<riskflow::v1::Health> h = daemon_->Health();
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->durable_sequence(), last_before);
  }

  ASSERT_TRUE(daemon_->Restart().ok());

  std::vector<Event> after;
  for (int r = 4; r < kRounds; ++r) {
    std::vector<Event> round = Round(r);
    after.insert(after.end(), round.begin(), round.end());
  }
  after.push_back(
      Payout("rs-big-2", "acct-big", "payee-2", 20000000, "CNY", kT0 + 9000));
  PublishAccepted(Batches(after, 10, 100));
  ASSERT_TRUE(daemon_->WaitProcessed().ok());

  // The log continues where it stopped.
  std::set<uint64_t> all;
  for (const auto& [id, seq] : sequences_) all.insert(seq);
  ASSERT_EQ(all.size(), before.size() + after.size());
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), before.size() + after.size());

  // Velocity counted the four events from before the restart: the 6th, 7th
  // and 8th payment of each account notify, with counts 6, 7, 8.
  std::vector<Decision> notify = Sink(riskflow::v1::NOTIFY);
  std::vector<std::string> expected_ids = {"rn-5"};
  for (int a = 0; a < kAccounts; ++a) {
    for (int r = 5; r < kRounds; ++r) expected_ids.push_back(BurstId(a, r));
  }
  EXPECT_THAT(EventIds(notify), UnorderedElementsAreArray(expected_ids));
  ASSERT_FALSE(notify.empty());
  EXPECT_EQ(notify[0].event_id(), "rn-5");
  // Outbox sequences continue without gaps or repeats.
  EXPECT_THAT(SinkSequences(notify), ElementsAreArray(OneTo(notify.size())));
  std::set<std::string> decision_ids;
  for (const Decision& d : notify) {
    EXPECT_TRUE(decision_ids.insert(d.decision_id()).second) << d.decision_id();
    EXPECT_EQ(d.sequence(), sequences_[d.event_id()]) << d.event_id();
  }
  for (int a = 0; a < kAccounts; ++a) {
    const std::string account = absl::StrCat("acct-ra-", a);
    EXPECT_THAT(EventIdsOf(notify, account),
                ElementsAre(BurstId(a, 5), BurstId(a, 6), BurstId(a, 7)));
    int count = 6;
    for (const Decision& d : notify) {
      if (d.account_id() != account) continue;
      const riskflow::v1::Annotation* burst =
          FindAnnotation(d, "velocity_burst");
      ASSERT_NE(burst, nullptr) << d.event_id();
      EXPECT_EQ(EvidenceMap(*burst)["count"], absl::StrCat(count++))
          << d.event_id();
    }
  }
  std::vector<Decision> review = Sink(riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(EventIds(review), ElementsAre("rs-big-1", "rs-big-2"));
  EXPECT_THAT(SinkSequences(review), ElementsAre(1, 2));
  EXPECT_THAT(Sink(riskflow::v1::FREEZE), IsEmpty());

  // The consumer resumes after its committed cursor.
  riskflow::v1::SubscribeRequest resume;
  resume.set_sink(riskflow::v1::NOTIFY);
  resume.set_consumer("ops-console");
  resume.set_from_committed(true);
  resume.set_after_sequence(0);  // ignored: the stored cursor wins
  resume.set_stop_at_end(true);
  std::vector<Decision> resumed;
  grpc::Status s = ReadSink(daemon_->sinks(), resume, &resumed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resumed.size(), notify.size() - 1);
  EXPECT_EQ(resumed.front().sink_sequence(), 2u);
  const std::vector<std::string> notify_ids = EventIds(notify);
  EXPECT_THAT(EventIds(resumed),
              ElementsAreArray(notify_ids.begin() + 1, notify_ids.end()));

  // Every acked event has exactly one decision: evaluating it again
  // returns the stored one, under its original sequence.
  for (const auto& [id, seq] : sequences_) {
    riskflow::v1::EvaluateResponse r;
    grpc::Status es = daemon_->Evaluate(events_by_id_[id], &r);
    ASSERT_TRUE(es.ok()) << id << ": " << es.error_message();
    EXPECT_TRUE(r.duplicate()) << id;
    EXPECT_EQ(r.decision().sequence(), seq) << id;
    EXPECT_EQ(r.decision().event_id(), id);
  }
  absl::StatusOr<riskflow::v1::Health> h = daemon_->Health();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->durable_sequence(), before.size() + after.size());
  EXPECT_EQ(h->sink_notify(), notify.size());
  EXPECT_EQ(h->sink_manual_review(), 2u);
}

TEST_F(RestartTest, ShutdownWithAnOpenPublishStreamKeepsEveryAckedEvent) {
  std::vector<Event> events;
  for (int r = 0; r < kRounds; ++r) {
    std::vector<Event> round = Round(r);
    events.insert(events.end(), round.begin(), round.end());
  }
  const std::vector<PublishRequest> batches = Batches(events, 5, 1);
  ASSERT_EQ(batches.size(), 16u);

  // The stream has its own channel: Shutdown drops the daemon's stubs.
  Clients client(MakeChannel(daemon_->port()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  auto stream = client.ingest->Publish(&context);
  std::vector<PublishAck> acks;
  for (size_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(stream->Write(batches[i]));
    PublishAck ack;
    ASSERT_TRUE(stream->Read(&ack));
    acks.push_back(ack);
  }
  std::thread stopper([&] { daemon_->Shutdown(); });
  // Whatever the daemon reads from here on it must either acknowledge or
  // not log at all; the stream ends with an error, not silently.
  for (size_t i = 8; i < batches.size(); ++i) {
    if (!stream->Write(batches[i])) break;
  }
  stream->WritesDone();
  PublishAck ack;
  while (stream->Read(&ack)) acks.push_back(ack);
  grpc::Status end = stream->Finish();
  stopper.join();
  EXPECT_FALSE(end.ok() && acks.size() < batches.size())
      << "the stream ended OK with " << acks.size() << " of " << batches.size()
      << " batches acknowledged";
  absl::StatusOr<std::map<std::string, AckedEvent>> acked =
      AckedEvents(batches, acks);
  ASSERT_TRUE(acked.ok()) << acked.status();
  ASSERT_GE(acked->size(), 40u);

  ASSERT_TRUE(daemon_->Restart().ok());
  // Re-sending everything is safe: acked events come back as duplicates
  // under their original sequence, the rest is logged now.
  std::vector<PublishAck> again;
  grpc::Status s = daemon_->Publish(batches, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  absl::StatusOr<std::map<std::string, AckedEvent>> resent =
      AckedEvents(batches, again);
  ASSERT_TRUE(resent.ok()) << resent.status();
  ASSERT_EQ(resent->size(), events.size());
  for (const auto& [id, a] : *acked) {
    EXPECT_TRUE(resent->at(id).duplicate) << id;
    EXPECT_EQ(resent->at(id).sequence, a.sequence) << id;
  }
  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  std::vector<Decision> notify = Sink(riskflow::v1::NOTIFY);
  EXPECT_EQ(notify.size(), 3u * kAccounts);
  EXPECT_THAT(SinkSequences(notify), ElementsAreArray(OneTo(notify.size())));
  std::set<std::string> ids;
  for (const Decision& d : notify) {
    EXPECT_TRUE(ids.insert(d.decision_id()).second) << d.decision_id();
    EXPECT_EQ(d.sequence(), resent->at(d.event_id()).sequence);
  }
}

}  // namespace
}  // namespace riskflow::e2e
