// Bad input over real gRPC: each gets a clear per-event or per-call error,
// the daemon keeps serving, and nothing acknowledged is lost.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/raw_call.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::EvaluateResponse;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Not a protobuf message: an 11-byte varint tag is malformed.
const std::string kGarbage("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start();
    ASSERT_TRUE(d.ok()) << d.status();
    daemon_ = *std::move(d);
  }

  // The daemon still serves: a fresh event is accepted and decided, and
  // every event acked so far is in the log under its sequence.
  void ExpectServingAndNothingLost() {
    const std::string id = absl::StrCat("probe-", ++probes_);
    absl::StatusOr<PublishAck> ack = daemon_->PublishOne(
        900 + probes_, {Login(id, "acct-probe", kT0 + probes_)});
    ASSERT_TRUE(ack.ok()) << ack.status();
    EXPECT_EQ(ack->accepted(), 1u);
    acked_.emplace_back(Login(id, "acct-probe", kT0 + probes_),
                        ack->first_sequence());
    ASSERT_TRUE(daemon_->WaitProcessed().ok());
    for (const auto& [event, seq] : acked_) {
      EvaluateResponse r;
      grpc::Status s = daemon_->Evaluate(event, &r);
      ASSERT_TRUE(s.ok()) << event.event_id() << ": " << s.error_message();
      EXPECT_TRUE(r.duplicate()) << event.event_id();
      EXPECT_EQ(r.decision().sequence(), seq) << event.event_id();
    }
  }

  grpc::Status EvaluateRequest(const riskflow::v1::EvaluateRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    EvaluateResponse response;
    return daemon_->ingest()->Evaluate(&context, request, &response);
  }

  grpc::Status CommitCursor(riskflow::v1::Route sink,
                            const std::string& consumer, uint64_t sequence) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    riskflow::v1::CommitCursorRequest request;
    request.set_sink(sink);
    request.set_consumer(consumer);
    request.set_sequence(sequence);
    riskflow::v1::CommitCursorResponse response;
    return daemon_->sinks()->CommitCursor(&context, request, &response);
  }

  std::unique_ptr<TestDaemon> daemon_;
  std::vector<std::pair<Event, uint64_t>> acked_;
  int probes_ = 0;
};

TEST_F(BadInputTest, InvalidEventsAreRejectedByFieldAndTheRestAccepted) {
  Event missing_id = Payment("", "acct-b", "shop", 100, "EUR", kT0);
  Event negative = Payment("neg", "acct-b", "shop", -5, "EUR", kT0 + 1);
  Event currency = Payment("cur", "acct-b", "shop", 100, "XYZ", kT0 + 2);
  Event ok1 = Payment("ok-1", "acct-b", "shop", 100, "EUR", kT0 + 3);
  Event ok2 = Payment("ok-2", "acct-b", "shop", 100, "EUR", kT0 + 4);
  absl::StatusOr<PublishAck> ack =
      daemon_->PublishOne(7, {ok1, missing_id, negative, currency, ok2});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->batch_id(), 7u);
  EXPECT_TRUE(ack->batch_error().empty());
  EXPECT_EQ(ack->accepted(), 2u);
  EXPECT_EQ(ack->last_sequence(), ack->first_sequence() + 1);
  EXPECT_THAT(ack->duplicates(), IsEmpty());
  ASSERT_EQ(ack->errors_size(), 3);
  const riskflow::v1::EventError& e1 = ack->errors(0);
  const riskflow::v1::EventError& e2 = ack->errors(1);
  const riskflow::v1::EventError& e3 = ack->errors(2);
  EXPECT_EQ(e1.index(), 1u);
  EXPECT_EQ(e1.event_id(), "");
  EXPECT_THAT(e1.message(),
              AllOf(HasSubstr("event_id"), HasSubstr("required")));
  EXPECT_EQ(e2.index(), 2u);
  EXPECT_EQ(e2.event_id(), "neg");
  EXPECT_THAT(e2.message(), AllOf(HasSubstr("amount_minor"), HasSubstr("-5")));
  EXPECT_EQ(e3.index(), 3u);
  EXPECT_EQ(e3.event_id(), "cur");
  EXPECT_THAT(e3.message(), AllOf(HasSubstr("currency"), HasSubstr("XYZ")));
  for (const auto& e : ack->errors()) {
    EXPECT_EQ(e.code(), riskflow::v1::INVALID_EVENT);
  }
  acked_.emplace_back(ok1, ack->first_sequence());
  acked_.emplace_back(ok2, ack->last_sequence());

  absl::StatusOr<riskflow::v1::Health> h = daemon_->Health();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->events_rejected(), 3u);
  EXPECT_EQ(h->durable_sequence(), 2u);
  ExpectServingAndNothingLost();

  // The rejected ids were never logged: corrected, they are new events.
  negative.set_amount_minor(5);
  EvaluateResponse r;
  grpc::Status s = daemon_->Evaluate(negative, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(r.duplicate());
}

TEST_F(BadInputTest, OversizedBatchIsRefusedWholeAndNothingIsLogged) {
  std::vector<Event> events;
  for (int i = 0; i < 10001; ++i) {
    events.push_back(
        Login(absl::StrCat("big-", i), absl::StrCat("acct-", i), kT0 + i));
  }
  absl::StatusOr<PublishAck> ack = daemon_->PublishOne(1, events);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(ack->batch_error(),
              AllOf(HasSubstr("10001"), HasSubstr("10000")));
  EXPECT_EQ(ack->accepted(), 0u);
  EXPECT_THAT(ack->errors(), IsEmpty());
  EXPECT_THAT(ack->duplicates(), IsEmpty());
  absl::StatusOr<riskflow::v1::Health> h = daemon_->Health();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->durable_sequence(), 0u);

  // At the limit the batch is fine, and none of its ids had been logged.
  events.pop_back();
  ack = daemon_->PublishOne(2, events);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_TRUE(ack->batch_error().empty());
  EXPECT_EQ(ack->accepted(), 10000u);
  EXPECT_THAT(ack->duplicates(), IsEmpty());
  EXPECT_EQ(ack->first_sequence(), 1u);
  EXPECT_EQ(ack->last_sequence(), 10000u);
  acked_.emplace_back(events.front(), 1);
  acked_.emplace_back(events.back(), 10000);
  ExpectServingAndNothingLost();
}

TEST_F(BadInputTest, GarbageBytesToEvaluateFailTheCallOnly) {
  RawResult r = RawUnaryCall(daemon_->channel(), "/riskflow.v1.Ingest/Evaluate",
                             kGarbage);
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  ExpectServingAndNothingLost();
}

TEST_F(BadInputTest, GarbageBytesOnAPublishStreamEndItWithAnError) {
  // A valid batch, garbage, another valid batch. The first is acknowledged;
  // whatever the daemon does after the garbage, it must not end the stream
  // OK with a batch unacknowledged: the client would take that as "all
  // done" and the batch would be lost silently.
  riskflow::v1::PublishRequest first =
      Batch(1, {Payment("pre-garbage", "acct-g", "shop", 100, "EUR", kT0)});
  riskflow::v1::PublishRequest last = Batch(
      3, {Payment("post-garbage", "acct-g", "shop", 100, "EUR", kT0 + 1)});
  RawResult r = RawStreamingCall(
      daemon_->channel(), "/riskflow.v1.Ingest/Publish",
      {first.SerializeAsString(), kGarbage, last.SerializeAsString()});
  ASSERT_GE(r.responses.size(), 1u);
  PublishAck ack;
  ASSERT_TRUE(ack.ParseFromString(r.responses[0]));
  EXPECT_EQ(ack.batch_id(), 1u);
  EXPECT_EQ(ack.accepted(), 1u);
  acked_.emplace_back(first.events(0), ack.first_sequence());
  EXPECT_FALSE(r.status.ok())
      << "Publish ended OK after an unparseable message with "
      << r.responses.size() << " acks for 3 messages sent";

  // Garbage alone.
  r = RawStreamingCall(daemon_->channel(), "/riskflow.v1.Ingest/Publish",
                       {kGarbage});
  EXPECT_FALSE(r.status.ok())
      << "Publish ended OK with no ack after an unparseable message";
  EXPECT_THAT(r.responses, IsEmpty());
  ExpectServingAndNothingLost();
}

TEST_F(BadInputTest, EvaluateWithoutOrWithAnInvalidEventNamesTheField) {
  grpc::Status s = EvaluateRequest(riskflow::v1::EvaluateRequest());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event"));

  struct Case {
    Event event;
    std::string field;
  };
  Event no_account = Payment("e-1", "", "shop", 100, "EUR", kT0);
  Event no_time = Payment("e-2", "acct", "shop", 100, "EUR", 0);
  Event no_currency = Payout("e-3", "acct", "payee", 100, "", kT0);
  Event no_type = Payment("e-4", "acct", "shop", 100, "EUR", kT0);
  no_type.set_type(riskflow::v1::EVENT_TYPE_UNSPECIFIED);
  Event no_channel = Payment("e-5", "acct", "shop", 100, "EUR", kT0);
  no_channel.clear_channel_id();
  for (const Case& c : std::vector<Case>{{no_account, "account_id"},
                                         {no_time, "event_time_ms"},
                                         {no_currency, "currency"},
                                         {no_type, "type"},
                                         {no_channel, "channel_id"}}) {
    riskflow::v1::EvaluateRequest request;
    *request.mutable_event() = c.event;
    s = EvaluateRequest(request);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), HasSubstr(c.field + ":"));
  }
  absl::StatusOr<riskflow::v1::Health> h = daemon_->Health();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->durable_sequence(), 0u);
  ExpectServingAndNothingLost();
}

TEST_F(BadInputTest, SubscribeToANonSinkIsInvalidArgument) {
  for (riskflow::v1::Route route :
       {riskflow::v1::PASS, riskflow::v1::ROUTE_UNSPECIFIED}) {
    riskflow::v1::SubscribeRequest request;
    request.set_sink(route);
    request.set_stop_at_end(true);
    std::vector<riskflow::v1::Decision> out;
    grpc::Status s = ReadSink(daemon_->sinks(), request, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("sink"));
    EXPECT_THAT(out, IsEmpty());
  }
  riskflow::v1::SubscribeRequest request;
  request.set_sink(riskflow::v1::NOTIFY);
  request.set_from_committed(true);
  request.set_stop_at_end(true);
  std::vector<riskflow::v1::Decision> out;
  grpc::Status s = ReadSink(daemon_->sinks(), request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("consumer"));
  ExpectServingAndNothingLost();
}

TEST_F(BadInputTest, CommitCursorBeyondTheEndIsOutOfRange) {
  grpc::Status s = CommitCursor(riskflow::v1::NOTIFY, "ops", 1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("NOTIFY"));
  EXPECT_TRUE(CommitCursor(riskflow::v1::NOTIFY, "ops", 0).ok());

  std::vector<Event> burst;
  for (int i = 0; i < 6; ++i) {
    burst.push_back(Payment(absl::StrCat("cc-", i), "acct-cc", "shop", 100,
                            "EUR", kT0 + i * kSecond));
  }
  absl::StatusOr<PublishAck> ack = daemon_->PublishOne(1, burst);
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  absl::StatusOr<std::vector<riskflow::v1::Decision>> notify =
      daemon_->ReadSink(riskflow::v1::NOTIFY);
  ASSERT_TRUE(notify.ok());
  ASSERT_THAT(EventIds(*notify), ElementsAre("cc-5"));
  acked_.emplace_back(burst[5], ack->last_sequence());

  EXPECT_TRUE(CommitCursor(riskflow::v1::NOTIFY, "ops", 1).ok());
  s = CommitCursor(riskflow::v1::NOTIFY, "ops", 2);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  s = CommitCursor(riskflow::v1::FREEZE, "ops", 1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  s = CommitCursor(riskflow::v1::PASS, "ops", 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = CommitCursor(riskflow::v1::NOTIFY, "", 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("consumer"));
  ExpectServingAndNothingLost();
}

}  // namespace
}  // namespace riskflow::e2e
