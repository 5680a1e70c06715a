// Account holds end to end (issue 10 item 1, docs/account-holds.md): the
// real daemon over gRPC with the DEFAULT pipeline, no `account_holds` key.
// A FREEZE holds the account; its next payout is FREEZE with reason
// ACCOUNT_HELD naming the hold, run past no detector; incoming money and a
// login are not held; Admin.ReleaseHold lifts it and the next payout is
// decided by the detectors again. Then a replay of the daemon's log
// (hold, held and release decisions included) gives the same decisions.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/hashing.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/replayer.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/temp_dir.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class AccountHoldsE2eTest : public ::testing::Test {
 protected:
  // `yaml` empty: the embedded default pipeline.
  void Start(const std::string& yaml = "") {
    TestDaemonOptions options;
    options.pipeline_yaml = yaml;
    options.shards = 2;
    auto d = TestDaemon::Start(options);
    ASSERT_TRUE(d.ok()) << d.status();
    daemon_ = *std::move(d);
  }

  std::string VersionHash() {
    absl::StatusOr<v1::PipelineInfo> info = daemon_->Pipeline();
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? info->version_hash() : "";
  }

  absl::StatusOr<v1::HoldResponse> Hold(bool place, const std::string& account,
                                        const std::string& request_id) {
    v1::HoldRequest request;
    request.set_account_id(account);
    request.set_actor("analyst-2");
    request.set_reason("customer reported a stolen phone");
    request.set_request_id(request_id);
    v1::HoldResponse response;
    grpc::ClientContext context;
    grpc::Status s =
        place ? daemon_->admin()->PlaceHold(&context, request, &response)
              : daemon_->admin()->ReleaseHold(&context, request, &response);
    if (!s.ok()) return absl::InternalError(s.error_message());
    return response;
  }

  void PublishAll(const std::vector<v1::Event>& events) {
    std::vector<v1::PublishAck> acks;
    grpc::Status s = daemon_->Publish(Batches(events, 50, next_batch_), &acks);
    next_batch_ += (events.size() + 49) / 50;
    ASSERT_TRUE(s.ok()) << s.error_message();
    uint32_t accepted = 0;
    for (const v1::PublishAck& ack : acks) {
      EXPECT_THAT(ack.errors(), IsEmpty()) << ack.DebugString();
      accepted += ack.accepted();
    }
    ASSERT_EQ(accepted, events.size());
    ASSERT_TRUE(daemon_->WaitProcessed().ok());
  }

  // The stored decision of a published event (Admin.LookupDecision).
  v1::Decision Lookup(const std::string& event_id) {
    v1::LookupDecisionRequest request;
    request.set_channel_id(kChannel);
    request.set_event_id(event_id);
    v1::LookupDecisionResponse response;
    grpc::ClientContext context;
    grpc::Status s = daemon_->admin()->LookupDecision(&context, request,
                                                       &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.status(), v1::LookupDecisionResponse::DECIDED)
        << event_id;
    return response.decision();
  }

  v1::AccountStatus Status(const std::string& account) {
    v1::GetAccountStatusRequest request;
    request.set_account_id(account);
    v1::AccountStatus status;
    grpc::ClientContext context;
    grpc::Status s =
        daemon_->admin()->GetAccountStatus(&context, request, &status);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return status;
  }

  std::unique_ptr<TestDaemon> daemon_;
  uint64_t next_batch_ = 1;
};

TEST_F(AccountHoldsE2eTest, FreezeHoldsReleaseLiftsAndReplayAgrees) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string account = "drained";
  // 21 payments in 21 s: the default pipeline's velocity_extreme (more
  // than 20 a minute) FREEZEs the 21st, which places the hold.
  std::vector<v1::Event> burst;
  for (int i = 1; i <= 21; ++i) {
    burst.push_back(Payment(absl::StrCat("pay-", i), account, "shop",
                            1000 + i, "CNY", kT0 + i * kSecond));
  }
  // Another account's payment: what holds must not touch.
  burst.push_back(
      Payment("other-1", "bystander", "shop", 1000, "CNY", kT0 + 21 * kSecond));
  PublishAll(burst);

  const v1::Decision freeze = Lookup("pay-21");
  EXPECT_EQ(freeze.route(), v1::FREEZE);
  const std::string hold_id = absl::StrCat(kChannel, "/pay-21");
  ASSERT_EQ(freeze.decision_id(), hold_id);
  const v1::Annotation* placed =
      FindAnnotation(freeze, "account_hold");
  ASSERT_NE(placed, nullptr) << freeze.ShortDebugString();
  EXPECT_EQ(placed->reason_code(), "HOLD_PLACED");
  EXPECT_EQ(EvidenceMap(*placed)["reason"],
            "FREEZE by velocity_extreme:VELOCITY");
  EXPECT_EQ(Lookup("pay-20").route(), v1::NOTIFY);  // not a FREEZE: no hold
  EXPECT_EQ(Lookup("other-1").route(), v1::PASS);

  v1::AccountStatus status = Status(account);
  EXPECT_TRUE(status.held());
  EXPECT_EQ(status.hold_decision_id(), hold_id);
  EXPECT_EQ(status.hold_sequence(), freeze.sequence());
  EXPECT_FALSE(Status("bystander").held());

  // While held: a small payout (no detector would flag it) is FREEZE by the
  // hold alone; a refund coming in and a login run the detectors as usual
  // and pass; so does the bystander's payout.
  PublishAll({
      Payout("held-payout", account, "payee", 5000, "CNY", kT0 + 30 * kSecond),
      MoneyEvent(v1::REFUND, "refund-in", account, "shop", 2000, "CNY",
                 kT0 + 31 * kSecond),
      Login("login", account, kT0 + 32 * kSecond),
      Payout("other-payout", "bystander", "payee", 5000, "CNY",
             kT0 + 33 * kSecond),
  });
  const v1::Decision held = Lookup("held-payout");
  EXPECT_EQ(held.route(), v1::FREEZE);
  ASSERT_THAT(Detectors(held), ElementsAre("account_hold"))
      << held.ShortDebugString();
  EXPECT_EQ(held.annotations(0).reason_code(), "ACCOUNT_HELD");
  std::map<std::string, std::string> evidence =
      EvidenceMap(held.annotations(0));
  EXPECT_EQ(evidence["hold_decision_id"], hold_id);
  EXPECT_EQ(evidence["hold_sequence"], absl::StrCat(freeze.sequence()));
  EXPECT_EQ(evidence["held_since_ms"], absl::StrCat(kT0 + 21 * kSecond));
  EXPECT_EQ(evidence["hold_reason"],
            "FREEZE by velocity_extreme:VELOCITY");
  // No plugin spoke, so no plugin build is recorded.
  EXPECT_EQ(held.plugin_builds_size(), 0);
  for (const char* id : {"refund-in", "login", "other-payout"}) {
    const v1::Decision d = Lookup(id);
    EXPECT_EQ(d.route(), v1::PASS) << d.ShortDebugString();
    EXPECT_EQ(FindAnnotation(d, "account_hold"), nullptr)
        << d.ShortDebugString();
  }

  // The held payout reached the FREEZE sink, after the FREEZE that held it.
  absl::StatusOr<std::vector<v1::Decision>> freezes =
      daemon_->ReadSink(v1::FREEZE);
  ASSERT_TRUE(freezes.ok()) << freezes.status();
  EXPECT_THAT(EventIdsOf(*freezes, account), ElementsAre("pay-21", "held-payout"));

  // Release (an analyst, through the Admin API): a logged event.
  v1::HoldRequest release;
  release.set_account_id(account);
  release.set_actor("analyst-1");
  release.set_reason("customer verified by phone");
  release.set_case_id("case-7");
  release.set_request_id("case-7-release-1");
  v1::HoldResponse released;
  {
    grpc::ClientContext context;
    grpc::Status s =
        daemon_->admin()->ReleaseHold(&context, release, &released);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_FALSE(released.duplicate());
  EXPECT_EQ(released.decision().route(), v1::PASS);
  const v1::Annotation* lifted =
      FindAnnotation(released.decision(), "account_hold");
  ASSERT_NE(lifted, nullptr) << released.decision().ShortDebugString();
  EXPECT_EQ(lifted->reason_code(), "HOLD_RELEASED");
  EXPECT_EQ(EvidenceMap(*lifted)["hold_decision_id"], hold_id);
  EXPECT_EQ(EvidenceMap(*lifted)["case_id"], "case-7");
  {
    // A retry of the same request logs nothing new.
    v1::HoldResponse again;
    grpc::ClientContext context;
    grpc::Status s = daemon_->admin()->ReleaseHold(&context, release, &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(again.duplicate());
    EXPECT_EQ(again.decision().SerializeAsString(),
              released.decision().SerializeAsString());
  }
  EXPECT_FALSE(Status(account).held());

  // Released: the next payout goes through the detectors again. A large
  // one, so a detector (large_payout) visibly decides it; three minutes on,
  // so the burst has left the velocity windows (else velocity_extreme
  // would freeze it, and hold the account, once more).
  PublishAll({Payout("after-release", account, "payee", 20000000, "CNY",
                     kT0 + 3 * kMinute)});
  const v1::Decision after = Lookup("after-release");
  EXPECT_EQ(after.route(), v1::MANUAL_REVIEW) << after.ShortDebugString();
  EXPECT_THAT(Detectors(after), ElementsAre("large_payout"));
  EXPECT_NE(FindAnnotation(after, "large_payout"), nullptr)
      << after.ShortDebugString();
  EXPECT_EQ(FindAnnotation(after, "account_hold"), nullptr);

  // Every decision the live daemon made, before the replay.
  std::map<std::string, v1::Decision> live;
  for (const std::string& id :
       {"pay-1", "pay-20", "pay-21", "other-1", "held-payout", "refund-in",
        "login", "other-payout", "after-release"}) {
    live[id] = Lookup(id);
  }
  live[released.decision().event_id()] = released.decision();
  ASSERT_TRUE(absl::StartsWith(released.decision().event_id(), "release:"));
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    auto read = daemon_->ReadSink(sink);
    ASSERT_TRUE(read.ok()) << read.status();
    for (v1::Decision& d : *read) {
      d.clear_sink_sequence();
      EXPECT_EQ(d.SerializeAsString(), live.count(d.event_id())
                                           ? live[d.event_id()]
                                                 .SerializeAsString()
                                           : d.SerializeAsString());
      live[d.event_id()] = d;
    }
  }
  const std::string data_dir = daemon_->data_dir();
  daemon_->Shutdown();

  // The replay of the log: the default pipeline (parsed from the same
  // embedded YAML, so the same version hash), other shard counts.
  absl::StatusOr<v1::PipelineConfig> config =
      config::ParsePipelineYaml(config::DefaultPipelineYaml());
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->account_holds());
  const std::string out_dir = MakeTempDir("riskflow-holds-replay");
  ASSERT_FALSE(out_dir.empty());
  for (uint32_t shards : {1u, 3u}) {
    SCOPED_TRACE(absl::StrCat(shards, " shards"));
    replay::ReplayOptions o;
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.from_log = data_dir;
    o.out = absl::StrCat(out_dir, "/replay-", shards, ".jsonl");
    o.shards = shards;
    absl::StatusOr<replay::ReplaySummary> summary = replay::Replayer::Run(o);
    ASSERT_TRUE(summary.ok()) << summary.status();
    std::map<std::string, v1::Decision> replayed = ReadDecisionsJsonl(o.out);
    // 22 + 4 + 1 published events and the release.
    EXPECT_EQ(replayed.size(), 28u);
    for (const auto& [id, d] : live) {
      ASSERT_TRUE(replayed.count(id)) << id;
      EXPECT_EQ(replayed[id].SerializeAsString(), d.SerializeAsString())
          << "live:   " << d.ShortDebugString()
          << "\nreplay: " << replayed[id].ShortDebugString();
    }
    // Events the live run sent to no sink (and did not look up) pass.
    for (const auto& [id, d] : replayed) {
      if (!live.count(id)) EXPECT_EQ(d.route(), v1::PASS) << id;
    }
  }
}

// The switch: `account_holds: false` in the default pipeline. A FREEZE is
// then only a sink entry (the next payout is decided by the detectors),
// the pipeline is another version, and an analyst's Admin.PlaceHold still
// holds the account.
TEST_F(AccountHoldsE2eTest, SwitchedOffFreezeHoldsNothingButAnalystHoldsApply) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string default_version = VersionHash();
  std::string yaml(config::DefaultPipelineYaml());
  const std::string on = "\naccount_holds: true\n";
  const size_t at = yaml.find(on);
  ASSERT_NE(at, std::string::npos) << "the default pipeline changed";
  // Leaving the key out is the same pipeline version as `true`.
  {
    std::string absent = yaml;
    absent.replace(at, on.size(), "\n");
    absl::StatusOr<v1::PipelineConfig> a = config::ParsePipelineYaml(absent);
    absl::StatusOr<v1::PipelineConfig> b = config::ParsePipelineYaml(yaml);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(config::CanonicalConfigBytes(*a), config::CanonicalConfigBytes(*b));
  }
  yaml.replace(at, on.size(), "\naccount_holds: false\n");
  daemon_.reset();
  ASSERT_NO_FATAL_FAILURE(Start(yaml));
  EXPECT_NE(VersionHash(), default_version);

  std::vector<v1::Event> burst;
  for (int i = 1; i <= 22; ++i) {
    burst.push_back(Payment(absl::StrCat("pay-", i), "busy", "shop", 1000 + i,
                            "CNY", kT0 + i * kSecond));
  }
  PublishAll(burst);
  const v1::Decision freeze = Lookup("pay-21");
  EXPECT_EQ(freeze.route(), v1::FREEZE);
  EXPECT_EQ(FindAnnotation(freeze, "account_hold"), nullptr)
      << freeze.ShortDebugString();
  // The 22nd is the detectors' FREEZE again (count 22), not a hold's.
  const v1::Decision next = Lookup("pay-22");
  EXPECT_EQ(next.route(), v1::FREEZE);
  EXPECT_NE(FindAnnotation(next, "velocity_extreme"), nullptr)
      << next.ShortDebugString();
  EXPECT_EQ(FindAnnotation(next, "account_hold"), nullptr);
  EXPECT_FALSE(Status("busy").held());

  // An analyst's hold applies whatever the switch says.
  absl::StatusOr<v1::HoldResponse> placed = Hold(true, "quiet", "hold-quiet-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_EQ(placed->decision().route(), v1::FREEZE);
  const v1::Annotation* a = FindAnnotation(placed->decision(), "account_hold");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason_code(), "HOLD_PLACED");
  EXPECT_EQ(EvidenceMap(*a)["actor"], "analyst-2");
  EXPECT_TRUE(Status("quiet").held());
  PublishAll({Transfer("quiet-transfer", "quiet", "friend", 700, "CNY",
                       kT0 + kMinute)});
  const v1::Decision held = Lookup("quiet-transfer");
  EXPECT_EQ(held.route(), v1::FREEZE);
  ASSERT_THAT(Detectors(held), ElementsAre("account_hold"));
  EXPECT_EQ(held.annotations(0).reason_code(), "ACCOUNT_HELD");
  EXPECT_EQ(EvidenceMap(held.annotations(0))["hold_reason"],
            "placed by analyst-2: customer reported a stolen phone");
  EXPECT_EQ(EvidenceMap(held.annotations(0))["hold_decision_id"],
            placed->decision().decision_id());
  absl::StatusOr<v1::HoldResponse> released =
      Hold(false, "quiet", "release-quiet-1");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_FALSE(Status("quiet").held());
}

}  // namespace
}  // namespace riskflow::e2e
