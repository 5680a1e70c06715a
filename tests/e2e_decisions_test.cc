// End to end over real gRPC on loopback: a crafted stream through the
// default pipeline, asserting the exact decisions each sink receives.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::EvaluateResponse;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using riskflow::v1::Route;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class DecisionsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartDaemon(TestDaemonOptions()); }

  void StartDaemon(TestDaemonOptions options) {
    daemon_.reset();
    absl::StatusOr<std::unique_ptr<TestDaemon>> d =
        TestDaemon::Start(std::move(options));
    ASSERT_TRUE(d.ok()) << d.status();
    daemon_ = *std::move(d);
    absl::StatusOr<riskflow::v1::PipelineInfo> info = daemon_->Pipeline();
    ASSERT_TRUE(info.ok()) << info.status();
    version_ = info->version_hash();
    absl::StatusOr<riskflow::v1::ListPluginsResponse> plugins =
        daemon_->Plugins();
    ASSERT_TRUE(plugins.ok()) << plugins.status();
    plugins_ = *plugins;
  }

  // Publishes on one stream; every event must be accepted.
  void PublishAll(const std::vector<Event>& events, size_t batch_size) {
    std::vector<PublishAck> acks;
    grpc::Status s = daemon_->Publish(Batches(events, batch_size), &acks);
    ASSERT_TRUE(s.ok()) << s.error_message();
    uint32_t accepted = 0;
    for (const PublishAck& ack : acks) {
      EXPECT_THAT(ack.errors(), IsEmpty()) << ack.DebugString();
      EXPECT_THAT(ack.duplicates(), IsEmpty()) << ack.DebugString();
      accepted += ack.accepted();
    }
    ASSERT_EQ(accepted, events.size());
    ASSERT_TRUE(daemon_->WaitProcessed().ok());
  }

  std::vector<Decision> Sink(Route route) {
    absl::StatusOr<std::vector<Decision>> d = daemon_->ReadSink(route);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : std::vector<Decision>();
  }

  // The stored decision of an already published event (Evaluate answers a
  // re-sent id with the original decision).
  Decision DecisionOf(const Event& event) {
    EvaluateResponse r;
    grpc::Status s = daemon_->Evaluate(event, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(r.duplicate()) << event.event_id();
    return r.decision();
  }

  void ExpectProvenance(const Decision& d) {
    EXPECT_EQ(d.pipeline_version(), version_) << d.event_id();
    EXPECT_EQ(Builds(d), ExpectedBuilds(d, plugins_)) << d.event_id();
  }

  std::unique_ptr<TestDaemon> daemon_;
  std::string version_;
  riskflow::v1::ListPluginsResponse plugins_;
};

TEST_F(DecisionsTest,
       VelocityNotifiesFromTheSixthAndFreezesFromTheTwentyFirst) {
  // The default pipeline with account holds off: this test is about the
  // velocity counts (21 and 22 both FREEZE, count in the evidence); with
  // holds the 21st would hold acct-v and the 22nd be decided ACCOUNT_HELD
  // without the detectors (tests/account_holds_e2e_test.cc covers that).
  {
    std::string yaml(config::DefaultPipelineYaml());
    const std::string on = "\naccount_holds: true\n";
    const size_t at = yaml.find(on);
    ASSERT_NE(at, std::string::npos) << "the default pipeline changed";
    yaml.replace(at, on.size(), "\naccount_holds: false\n");
    TestDaemonOptions options;
    options.pipeline_yaml = yaml;
    ASSERT_NO_FATAL_FAILURE(StartDaemon(std::move(options)));
  }
  std::vector<Event> events;
  std::vector<std::string> money_ids;
  for (int i = 0; i < 22; ++i) {
    const std::string id = absl::StrFormat("v-%02d", i);
    const std::string cp = absl::StrCat("cp-", i);
    const int64_t t = kT0 + i * kSecond;
    switch (i % 3) {
      case 0:
        events.push_back(Payment(id, "acct-v", cp, 1000 + i, "CNY", t));
        break;
      case 1:
        events.push_back(Payout(id, "acct-v", cp, 1000 + i, "CNY", t));
        break;
      default:
        events.push_back(Transfer(id, "acct-v", cp, 1000 + i, "CNY", t));
    }
    money_ids.push_back(id);
    // Logins are not counted by either velocity detector.
    if (i < 5)
      events.push_back(Login(absl::StrCat("v-login-", i), "acct-v", t + 500));
  }
  // Exactly at the limit: never annotated.
  std::vector<Event> at_limit;
  for (int i = 0; i < 5; ++i) {
    at_limit.push_back(Payment(absl::StrCat("lim-", i), "acct-limit", "cp", 500,
                               "USD", kT0 + i * kSecond));
  }
  events.insert(events.end(), at_limit.begin(), at_limit.end());
  PublishAll(events, 4);

  const std::vector<Decision> notify = Sink(riskflow::v1::NOTIFY);
  const std::vector<Decision> freeze = Sink(riskflow::v1::FREEZE);
  EXPECT_THAT(Sink(riskflow::v1::MANUAL_REVIEW), IsEmpty());
  EXPECT_THAT(EventIds(notify),
              ElementsAreArray(money_ids.begin() + 5, money_ids.end()));
  EXPECT_THAT(EventIds(freeze), ElementsAre("v-20", "v-21"));
  std::vector<uint64_t> expected_seq;
  for (uint64_t s = 1; s <= 17; ++s) expected_seq.push_back(s);
  EXPECT_THAT(SinkSequences(notify), ElementsAreArray(expected_seq));
  EXPECT_THAT(SinkSequences(freeze), ElementsAre(1, 2));

  for (size_t k = 0; k < notify.size(); ++k) {
    const Decision& d = notify[k];
    const int count = static_cast<int>(k) + 6;
    SCOPED_TRACE(d.event_id());
    EXPECT_EQ(d.decision_id(), absl::StrCat(kChannel, "/", d.event_id()));
    EXPECT_EQ(d.account_id(), "acct-v");
    EXPECT_EQ(d.event_time_ms(), kT0 + (count - 1) * kSecond);
    EXPECT_FALSE(d.late());
    const riskflow::v1::Annotation* burst = FindAnnotation(d, "velocity_burst");
    ASSERT_NE(burst, nullptr);
    EXPECT_EQ(burst->reason_code(), "VELOCITY");
    EXPECT_EQ(burst->route(), riskflow::v1::NOTIFY);
    EXPECT_EQ(burst->route_hint(), riskflow::v1::FREEZE);
    EXPECT_FALSE(burst->degraded());
    EXPECT_THAT(EvidenceMap(*burst),
                UnorderedElementsAre(Pair("count", absl::StrCat(count)),
                                     Pair("window_ms", "60000"),
                                     Pair("max_events", "5")));
    if (count <= 20) {
      EXPECT_THAT(Detectors(d), ElementsAre("velocity_burst"));
      EXPECT_THAT(Routes(d), ElementsAre(riskflow::v1::NOTIFY));
      EXPECT_EQ(d.route(), riskflow::v1::NOTIFY);
    } else {
      EXPECT_THAT(Detectors(d),
                  ElementsAre("velocity_burst", "velocity_extreme"));
      EXPECT_THAT(Routes(d),
                  ElementsAre(riskflow::v1::FREEZE, riskflow::v1::NOTIFY));
      EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
    }
    ExpectProvenance(d);
  }
  for (size_t k = 0; k < freeze.size(); ++k) {
    const Decision& d = freeze[k];
    SCOPED_TRACE(d.event_id());
    EXPECT_THAT(Routes(d),
                ElementsAre(riskflow::v1::FREEZE, riskflow::v1::NOTIFY));
    const riskflow::v1::Annotation* extreme =
        FindAnnotation(d, "velocity_extreme");
    ASSERT_NE(extreme, nullptr);
    EXPECT_EQ(extreme->route(), riskflow::v1::FREEZE);
    EXPECT_THAT(EvidenceMap(*extreme),
                UnorderedElementsAre(Pair("count", absl::StrCat(21 + k)),
                                     Pair("window_ms", "60000"),
                                     Pair("max_events", "20")));
    // The same decision (same id and log sequence) as its NOTIFY copy.
    EXPECT_EQ(d.sequence(), notify[15 + k].sequence());
    EXPECT_EQ(d.decision_id(), notify[15 + k].decision_id());
    ExpectProvenance(d);
  }

  // Below the thresholds: PASS, no annotations, no plugin builds. events[8]
  // is v-04, the fifth money event; events[1] a login.
  ASSERT_EQ(events[8].event_id(), "v-04");
  for (const Event& e : {events[0], events[1], events[8], at_limit.back()}) {
    Decision d = DecisionOf(e);
    EXPECT_THAT(Routes(d), ElementsAre(riskflow::v1::PASS)) << e.event_id();
    EXPECT_THAT(d.annotations(), IsEmpty()) << e.event_id();
    ExpectProvenance(d);
  }
}

TEST_F(DecisionsTest, LargePayoutGoesToManualReviewFromTheThreshold) {
  const std::vector<Event> events = {
      Payout("lp-at", "acct-lp1", "payee-a", 10000000, "CNY", kT0),
      Payout("lp-below", "acct-lp2", "payee-b", 9999999, "CNY", kT0 + 1),
      Payout("lp-usd", "acct-lp3", "payee-c", 1500000, "USD", kT0 + 2),
      Payout("lp-eur-below", "acct-lp4", "payee-d", 1299999, "EUR", kT0 + 3),
      Payment("lp-payment", "acct-lp5", "shop", 50000000, "CNY", kT0 + 4),
      Payout("lp-jpy", "acct-lp6", "payee-e", 999999999, "JPY", kT0 + 5),
  };
  PublishAll(events, 10);

  std::vector<Decision> review = Sink(riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(EventIds(review), UnorderedElementsAre("lp-at", "lp-usd"));
  EXPECT_THAT(Sink(riskflow::v1::NOTIFY), IsEmpty());
  EXPECT_THAT(Sink(riskflow::v1::FREEZE), IsEmpty());
  for (const Decision& d : review) {
    SCOPED_TRACE(d.event_id());
    EXPECT_THAT(Routes(d), ElementsAre(riskflow::v1::MANUAL_REVIEW));
    EXPECT_THAT(Detectors(d), ElementsAre("large_payout"));
    const riskflow::v1::Annotation& a = d.annotations(0);
    EXPECT_EQ(a.reason_code(), "LARGE_AMOUNT");
    EXPECT_EQ(a.route(), riskflow::v1::MANUAL_REVIEW);
    const bool cny = d.event_id() == "lp-at";
    EXPECT_THAT(EvidenceMap(a),
                UnorderedElementsAre(
                    Pair("amount_minor", cny ? "10000000" : "1500000"),
                    Pair("currency", cny ? "CNY" : "USD"),
                    Pair("threshold_minor", cny ? "10000000" : "1500000")));
    EXPECT_DOUBLE_EQ(a.score(), 0.5);
    ExpectProvenance(d);
  }
  for (int i : {1, 3, 4, 5}) {
    Decision d = DecisionOf(events[i]);
    EXPECT_THAT(Routes(d), ElementsAre(riskflow::v1::PASS))
        << events[i].event_id();
    EXPECT_THAT(d.annotations(), IsEmpty()) << events[i].event_id();
  }
}

TEST_F(DecisionsTest, DuplicatePayoutWithinTenMinutesUnderANewId) {
  const std::vector<Event> events = {
      Payout("dp-1", "acct-d1", "payee-1", 250000, "CNY", kT0),
      Payout("dp-far-1", "acct-d2", "payee-2", 700000, "CNY", kT0),
      Payout("dp-2", "acct-d1", "payee-1", 250000, "CNY", kT0 + 3 * kMinute),
      Payout("dp-3", "acct-d1", "payee-1", 250001, "CNY", kT0 + 4 * kMinute),
      Payout("dp-4", "acct-d1", "payee-9", 250000, "CNY", kT0 + 5 * kMinute),
      Payout("dp-far-2", "acct-d2", "payee-2", 700000, "CNY",
             kT0 + 10 * kMinute + 1),
  };
  PublishAll(events, 2);

  std::vector<Decision> review = Sink(riskflow::v1::MANUAL_REVIEW);
  ASSERT_THAT(EventIds(review), ElementsAre("dp-2"));
  const Decision& d = review[0];
  EXPECT_THAT(Routes(d), ElementsAre(riskflow::v1::MANUAL_REVIEW));
  EXPECT_THAT(Detectors(d), ElementsAre("duplicate_payout"));
  const riskflow::v1::Annotation& a = d.annotations(0);
  EXPECT_EQ(a.reason_code(), "DUPLICATE_PAYOUT");
  EXPECT_EQ(a.route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(
      EvidenceMap(a),
      UnorderedElementsAre(Pair("original_event_id", "dp-1"),
                           Pair("original_event_time_ms", absl::StrCat(kT0)),
                           Pair("event_id", "dp-2")));
  ExpectProvenance(d);
  EXPECT_THAT(Sink(riskflow::v1::NOTIFY), IsEmpty());
  EXPECT_THAT(Sink(riskflow::v1::FREEZE), IsEmpty());
  // Different amount, different payee, 10 minutes + 1 ms apart: PASS.
  for (int i : {0, 1, 3, 4, 5}) {
    EXPECT_THAT(Routes(DecisionOf(events[i])), ElementsAre(riskflow::v1::PASS))
        << events[i].event_id();
  }
}

TEST_F(DecisionsTest, ResentEventIdIsAnsweredAsDuplicateAndNeverDecidedTwice) {
  std::vector<Event> burst;
  for (int i = 0; i < 6; ++i) {
    burst.push_back(Payment(absl::StrCat("r-", i), "acct-r", "shop", 100, "EUR",
                            kT0 + i * kSecond));
  }
  absl::StatusOr<PublishAck> first = daemon_->PublishOne(1, burst);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->accepted(), 6u);
  ASSERT_EQ(first->last_sequence() - first->first_sequence(), 5u);
  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  ASSERT_THAT(EventIds(Sink(riskflow::v1::NOTIFY)), ElementsAre("r-5"));

  // The re-sent copy differs in its fields: the id alone identifies it, so
  // it is not logged again; since issue 8 the different content is reported
  // as a conflict rather than silently as a duplicate
  // (docs/input-validation.md).
  Event resent = burst[5];
  resent.set_amount_minor(999);
  absl::StatusOr<PublishAck> again = daemon_->PublishOne(
      2, {resent, Login("r-login", "acct-r", kT0 + 7 * kSecond)});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->batch_id(), 2u);
  EXPECT_EQ(again->accepted(), 1u);
  EXPECT_THAT(again->duplicates(), IsEmpty());
  ASSERT_EQ(again->errors_size(), 1);
  EXPECT_EQ(again->errors(0).index(), 0u);
  EXPECT_EQ(again->errors(0).event_id(), "r-5");
  EXPECT_EQ(again->errors(0).code(), riskflow::v1::CONFLICTING_RESEND);
  EXPECT_THAT(again->errors(0).message(),
              ::testing::HasSubstr(absl::StrCat(
                  "logged before as sequence ", first->last_sequence())));
  EXPECT_EQ(again->first_sequence(), first->last_sequence() + 1);
  EXPECT_EQ(again->last_sequence(), first->last_sequence() + 1);
  EXPECT_EQ(again->durable_sequence(), first->last_sequence() + 1);
  ASSERT_TRUE(daemon_->WaitProcessed().ok());

  std::vector<Decision> notify = Sink(riskflow::v1::NOTIFY);
  ASSERT_THAT(EventIds(notify), ElementsAre("r-5"));
  absl::StatusOr<riskflow::v1::Health> health = daemon_->Health();
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->sink_notify(), 1u);
  EXPECT_EQ(health->sink_freeze(), 0u);
  EXPECT_EQ(health->sink_manual_review(), 0u);
  // The duplicate did not count for velocity either: the next one is the 7th.
  absl::StatusOr<PublishAck> next = daemon_->PublishOne(
      3, {Payment("r-6", "acct-r", "shop", 100, "EUR", kT0 + 8 * kSecond)});
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  notify = Sink(riskflow::v1::NOTIFY);
  ASSERT_THAT(EventIds(notify), ElementsAre("r-5", "r-6"));
  EXPECT_EQ(EvidenceMap(*FindAnnotation(notify[1], "velocity_burst"))["count"],
            "7");
}

TEST_F(DecisionsTest, SameIdTwiceInOneBatchIsLoggedOnce) {
  const Event e = Payment("twin", "acct-t", "shop", 100, "EUR", kT0);
  absl::StatusOr<PublishAck> ack = daemon_->PublishOne(1, {e, e});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->accepted(), 1u);
  // Reported once, either as a duplicate of the first copy or as an error.
  EXPECT_EQ(ack->duplicates_size() + ack->errors_size(), 1)
      << ack->DebugString();
  for (const riskflow::v1::DuplicateEvent& d : ack->duplicates()) {
    EXPECT_EQ(d.index(), 1u);
    EXPECT_EQ(d.original_sequence(), ack->first_sequence());
  }
  for (const riskflow::v1::EventError& err : ack->errors()) {
    EXPECT_EQ(err.index(), 1u);
    EXPECT_EQ(err.code(), riskflow::v1::DUPLICATE_IN_BATCH);
  }
}

TEST_F(DecisionsTest, EvaluateDecidesWithinTheDeadlineAndRepeatsAsDuplicate) {
  const Event e = Payout("ev-1", "acct-e", "payee", 2000000, "USD", kT0);
  EvaluateResponse first;
  grpc::Status s = daemon_->Evaluate(e, &first, absl::Seconds(30));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(first.duplicate());
  const Decision& d = first.decision();
  EXPECT_EQ(d.event_id(), "ev-1");
  EXPECT_EQ(d.decision_id(), absl::StrCat(kChannel, "/ev-1"));
  EXPECT_EQ(d.channel_id(), kChannel);
  EXPECT_EQ(d.account_id(), "acct-e");
  EXPECT_EQ(d.event_time_ms(), kT0);
  EXPECT_GT(d.sequence(), 0u);
  EXPECT_THAT(Routes(d), ElementsAre(riskflow::v1::MANUAL_REVIEW));
  EXPECT_THAT(Detectors(d), ElementsAre("large_payout"));
  ExpectProvenance(d);

  EvaluateResponse second;
  s = daemon_->Evaluate(e, &second, absl::Seconds(30));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(second.duplicate());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(second.decision(), d))
      << second.decision().DebugString() << "\nvs\n"
      << d.DebugString();

  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  std::vector<Decision> review = Sink(riskflow::v1::MANUAL_REVIEW);
  ASSERT_THAT(EventIds(review), ElementsAre("ev-1"));
  EXPECT_EQ(review[0].sequence(), d.sequence());

  // A PASS decision comes back the same way.
  EvaluateResponse pass;
  s = daemon_->Evaluate(Login("ev-login", "acct-e", kT0 + 1), &pass);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(pass.duplicate());
  EXPECT_THAT(Routes(pass.decision()), ElementsAre(riskflow::v1::PASS));
  EXPECT_EQ(pass.decision().route(), riskflow::v1::PASS);
  EXPECT_EQ(pass.decision().sequence(), d.sequence() + 1);
}

}  // namespace
}  // namespace riskflow::e2e
