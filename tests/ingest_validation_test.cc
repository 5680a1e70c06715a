// Hostile and careless input at ingest, over real gRPC to a real daemon:
// events from the future, oversized fields, huge amounts, repeated ids with
// other content, garbage Evaluate bytes (docs/input-validation.md).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/raw_call.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::EvaluateResponse;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

std::unique_ptr<TestDaemon> StartDaemon(TestDaemonOptions options = {}) {
  absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start(options);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : nullptr;
}

// Evaluates a login at `time_ms` and returns whether it was decided late.
bool EvaluatedLate(TestDaemon* daemon, const std::string& id,
                   int64_t time_ms) {
  EvaluateResponse r;
  grpc::Status s = daemon->Evaluate(Login(id, "acct-late-probe", time_ms), &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return r.decision().late();
}

TEST(IngestValidationTest, FutureEventsAreRejectedAndCannotPoisonTheWatermark) {
  std::unique_ptr<TestDaemon> daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const int64_t now = NowMs();
  absl::StatusOr<PublishAck> ack = daemon->PublishOne(
      1, {Login("from-2100", "acct-f", 4102444800000),
          Login("from-int64-max", "acct-f", INT64_MAX),
          Login("ten-minutes-ahead", "acct-f", now + 10 * kMinute),
          Login("epoch-1ms", "acct-f", 1),
          Login("within-skew", "acct-f", now + kMinute)});
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_EQ(ack->errors_size(), 4);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ack->errors(i).index(), static_cast<uint32_t>(i));
    EXPECT_EQ(ack->errors(i).code(), riskflow::v1::INVALID_EVENT);
    EXPECT_THAT(ack->errors(i).message(),
                HasSubstr("ahead of the server clock, more than the allowed "
                          "skew of 300000 ms"));
  }
  EXPECT_THAT(ack->errors(3).message(),
              HasSubstr("event_time_ms: before the earliest accepted time"));
  EXPECT_EQ(ack->accepted(), 1u);

  // A normal event a minute in the past is on time, before and after a
  // restart.
  EXPECT_FALSE(EvaluatedLate(daemon.get(), "normal-1", now - kMinute));
  ASSERT_TRUE(daemon->Restart().ok());
  EXPECT_FALSE(EvaluatedLate(daemon.get(), "normal-2", NowMs() - kMinute));
  // The check that this probe can fail: 10 minutes behind is late.
  EXPECT_TRUE(EvaluatedLate(daemon.get(), "really-late", NowMs() - 10 * kMinute));
}

TEST(IngestValidationTest, WithTheSkewCheckOffTheClockStillClampsTheWatermark) {
  TestDaemonOptions options;
  options.ingest_limits.max_event_skew_ms = INT64_MAX;  // accept the future
  std::unique_ptr<TestDaemon> daemon = StartDaemon(options);
  ASSERT_NE(daemon, nullptr);
  absl::StatusOr<PublishAck> ack =
      daemon->PublishOne(1, {Login("from-2100", "acct-f", 4102444800000)});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->accepted(), 1u);
  ASSERT_TRUE(daemon->WaitProcessed().ok());
  EXPECT_FALSE(EvaluatedLate(daemon.get(), "normal-1", NowMs() - kMinute));
  ASSERT_TRUE(daemon->Restart().ok());
  EXPECT_FALSE(EvaluatedLate(daemon.get(), "normal-2", NowMs() - kMinute));
}

TEST(IngestValidationTest, OversizedFieldsAndAmountsAreRejectedByName) {
  std::unique_ptr<TestDaemon> daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  std::vector<Event> events;
  for (int i = 0; i < 7; ++i) {
    events.push_back(Payment(absl::StrCat("big-", i), "acct-big", "cp-1", 100,
                             "CNY", kT0 + i));
  }
  events[0].set_ip(std::string(1 << 20, '1'));
  events[1].set_country(std::string(5 << 20, 'C'));
  events[2].set_counterparty_country("CHINA");
  events[3].set_amount_minor(INT64_MAX);
  events[4].set_device_id(std::string(129, 'd'));
  (*events[5].mutable_attributes())[std::string(200, 'k')] = "v";
  // events[6] is fine.
  absl::StatusOr<PublishAck> ack = daemon->PublishOne(1, events);
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_EQ(ack->errors_size(), 6);
  const char* expected[] = {
      "ip: longer than 64 bytes (1048576)",
      "country: longer than 3 bytes (5242880)",
      "counterparty_country: longer than 3 bytes (5)",
      "amount_minor: larger than the limit of 1000000000000000 minor units",
      "device_id: longer than 128 bytes (129)",
      "attributes: a key: longer than 128 bytes (200)",
  };
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(ack->errors(i).index(), static_cast<uint32_t>(i));
    EXPECT_EQ(ack->errors(i).code(), riskflow::v1::INVALID_EVENT);
    EXPECT_THAT(ack->errors(i).message(), HasSubstr(expected[i]));
  }
  EXPECT_EQ(ack->accepted(), 1u);
  // An ack never carries the oversized content back.
  EXPECT_LT(ack->ByteSizeLong(), 4096u);
}

TEST(IngestValidationTest, RepeatedIdsWithOtherContentAreErrorsNotDuplicates) {
  std::unique_ptr<TestDaemon> daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const Event original = Payment("pay-1", "acct-d", "cp-1", 100, "CNY", kT0);
  Event changed = original;
  changed.set_amount_minor(100000);
  absl::StatusOr<PublishAck> ack =
      daemon->PublishOne(1, {original, original, changed});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->accepted(), 1u);
  ASSERT_EQ(ack->duplicates_size(), 1);  // the same content: a duplicate
  EXPECT_EQ(ack->duplicates(0).index(), 1u);
  ASSERT_EQ(ack->errors_size(), 1);
  EXPECT_EQ(ack->errors(0).index(), 2u);
  EXPECT_EQ(ack->errors(0).event_id(), "pay-1");
  EXPECT_EQ(ack->errors(0).code(), riskflow::v1::DUPLICATE_IN_BATCH);
  EXPECT_THAT(ack->errors(0).message(),
              HasSubstr("repeated in this batch with different content"));
  const uint64_t seq = ack->first_sequence();

  // A later resend: the same content is a duplicate, other content a
  // conflict; after a restart too.
  for (int round = 0; round < 2; ++round) {
    ack = daemon->PublishOne(2 + round, {original, changed});
    ASSERT_TRUE(ack.ok()) << ack.status();
    EXPECT_EQ(ack->accepted(), 0u);
    ASSERT_EQ(ack->duplicates_size(), 1);
    EXPECT_EQ(ack->duplicates(0).original_sequence(), seq);
    ASSERT_EQ(ack->errors_size(), 1);
    EXPECT_EQ(ack->errors(0).index(), 1u);
    EXPECT_EQ(ack->errors(0).code(), riskflow::v1::CONFLICTING_RESEND);
    EXPECT_THAT(ack->errors(0).message(),
                HasSubstr(absl::StrCat("logged before as sequence ", seq,
                                       " with different content")));
    EvaluateResponse r;
    grpc::Status s = daemon->Evaluate(changed, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
    EXPECT_THAT(s.error_message(), HasSubstr("with different content"));
    s = daemon->Evaluate(original, &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(r.duplicate());
    EXPECT_EQ(r.decision().sequence(), seq);
    if (round == 0) {
      ASSERT_TRUE(daemon->Restart().ok());
    }
  }
}

TEST(IngestValidationTest, InvalidUtf8IsRefusedAndNothingOfItLogged) {
  std::unique_ptr<TestDaemon> daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  Event bad = Login("utf8-bad", "acct-\xff\xfe", kT0);
  absl::StatusOr<PublishAck> ack =
      daemon->PublishOne(1, {bad, Login("utf8-ok", "acct-ok", kT0)});
  // Which layer refuses it depends on the protobuf runtime: a strict proto3
  // parser fails the whole message (the stream ends INVALID_ARGUMENT), a
  // lenient one hands it to the validator (INVALID_EVENT with the offset).
  if (ack.ok()) {
    ASSERT_EQ(ack->errors_size(), 1) << ack->DebugString();
    EXPECT_EQ(ack->errors(0).code(), riskflow::v1::INVALID_EVENT);
    EXPECT_THAT(ack->errors(0).message(),
                HasSubstr("account_id: not valid UTF-8 (byte offset 5)"));
    EXPECT_EQ(ack->accepted(), 1u);
  } else {
    EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument)
        << ack.status();
    EXPECT_THAT(std::string(ack.status().message()),
                HasSubstr("not a valid PublishRequest"));
  }
  EvaluateResponse r;
  grpc::Status s = daemon->Evaluate(bad, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_FALSE(s.error_message().empty());
}

TEST(IngestValidationTest, GarbageEvaluateBytesAreInvalidArgumentWithAReason) {
  std::unique_ptr<TestDaemon> daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const std::string garbage("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  RawResult r = RawUnaryCall(daemon->channel(), "/riskflow.v1.Ingest/Evaluate",
                             garbage);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << r.status.error_code() << " " << r.status.error_message();
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("not a valid request message for "
                        "/riskflow.v1.Ingest/Evaluate"));
  // The same for the admin and sink calls served by the sync API.
  r = RawUnaryCall(daemon->channel(), "/riskflow.v1.Admin/GetHealth", garbage);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A valid empty request still works: nothing else was caught.
  r = RawUnaryCall(daemon->channel(), "/riskflow.v1.Admin/GetHealth", "");
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
}

}  // namespace
}  // namespace riskflow::e2e
