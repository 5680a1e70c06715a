// Faulty plugins never take detection down for good (issue 8; see
// docs/plugin-faults.md). A real riskflowd runs a raw plugin
// (plugins/testing/crashing) that segfaults, aborts, hangs, gets
// "OOM-killed" or throws through the C ABI on one event. The restart on the
// same data dir serves, names the culprit as quarantined (ListPlugins,
// health), decides the fatal event by the culprit's on_error route and
// every acked event with the remaining detectors; an admin clears the
// quarantine and the detector runs again.
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/acks.h"
#include "tests/daemon_process.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/raw_call.h"
#include "tests/rpc_client.h"
#include "tests/runfiles.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;
using riskflow::v1::PublishRequest;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr int kAccounts = 10;
// The event (index into the stream) that carries crash=1.
constexpr size_t kFatalIndex = 17;

std::string PipelineYaml(const std::string& mode) {
  return absl::StrCat(R"(name: crash_containment
shards: 2
allowed_lateness: 5m
detectors:
  - name: large_payout
    plugin: large_amount
    route: MANUAL_REVIEW
    params:
      thresholds: "CNY:10000000"
      types: [PAYOUT]
  - name: crashy
    plugin: crashing
    route: NOTIFY
    on_error: MANUAL_REVIEW
    params:
      mode: )",
                      mode, "\n");
}

// Per account a payment, a large payout (MANUAL_REVIEW by large_payout) and
// a login; event kFatalIndex (a payment) carries crash=1.
std::vector<Event> Stream() {
  std::vector<Event> events;
  for (int round = 0; round < 3; ++round) {
    for (int a = 0; a < kAccounts; ++a) {
      const int64_t t = kT0 + static_cast<int64_t>(events.size()) * 10;
      const std::string account = absl::StrCat("acct-", a);
      const std::string id = absl::StrCat("e-", round, "-", a);
      if (round == 0) {
        events.push_back(Payment(id, account, "shop", 2500, "CNY", t));
      } else if (round == 1) {
        events.push_back(Payout(id, account, "payee", 20000000, "CNY", t));
      } else {
        events.push_back(Login(id, account, t));
      }
    }
  }
  (*events[kFatalIndex].mutable_attributes())["crash"] = "1";
  return events;
}

class PluginCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = MakeTempDir("riskflow-plugin-crash");
    ASSERT_FALSE(data_dir_.empty());
  }

  std::vector<std::string> Args(const std::string& mode,
                                const std::vector<std::string>& extra = {}) {
    const std::string config = data_dir_ + ".yaml";
    std::ofstream(config) << PipelineYaml(mode);
    std::vector<std::string> args = {
        absl::StrCat("--config=", config),
        absl::StrCat("--plugin_path=", RunfilePath("plugins/testing")),
        // Short limits so the hang test takes seconds, not minutes.
        "--watchdog_floor_ms=500"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Publishes the stream until the stream breaks; returns what was acked.
  std::map<std::string, AckedEvent> PublishAll(DaemonProcess* daemon) {
    Clients client(MakeChannel(daemon->port()));
    batches_ = Batches(events_, 5, 1);
    std::vector<PublishAck> acks;
    PublishBatches(client.ingest.get(), batches_, &acks).IgnoreError();
    absl::StatusOr<std::map<std::string, AckedEvent>> acked =
        AckedEvents(batches_, acks);
    EXPECT_TRUE(acked.ok()) << acked.status();
    return acked.ok() ? *acked : std::map<std::string, AckedEvent>{};
  }

  // Starts riskflowd on the same data dir and measures the time to serve.
  std::unique_ptr<DaemonProcess> Restart(const std::vector<std::string>& args) {
    const absl::Time begin = absl::Now();
    auto second = DaemonProcess::Start(RiskflowdPath(), data_dir_, args);
    EXPECT_TRUE(second.ok()) << second.status();
    if (!second.ok()) return nullptr;
    std::fprintf(stderr, "FIGURE restart to serving after a plugin crash: %s\n",
                 absl::FormatDuration(absl::Now() - begin).c_str());
    return std::move(*second);
  }

  // The culprit is quarantined with `reason_part`, visible in ListPlugins
  // and health; every acked event has a decision; the fatal event is routed
  // by on_error with a degraded annotation; the remaining detector decided.
  void ExpectContained(DaemonProcess* daemon,
                       const std::map<std::string, AckedEvent>& acked,
                       const std::string& reason_part) {
    Clients client(MakeChannel(daemon->port()));
    riskflow::v1::ListPluginsResponse plugins;
    {
      grpc::ClientContext ctx;
      ASSERT_TRUE(client.admin
                      ->ListPlugins(&ctx, riskflow::v1::ListPluginsRequest(),
                                    &plugins)
                      .ok());
    }
    bool seen = false;
    for (const auto& p : plugins.plugins()) {
      if (p.detector() == "crashy") {
        seen = true;
        EXPECT_TRUE(p.quarantined());
        EXPECT_THAT(p.quarantine_reason(), HasSubstr(reason_part));
      } else {
        EXPECT_FALSE(p.quarantined()) << p.detector();
      }
    }
    EXPECT_TRUE(seen);
    absl::StatusOr<riskflow::v1::Health> h = GetHealth(client.admin.get());
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_TRUE(h->serving());
    EXPECT_THAT(h->quarantined_detectors(), Contains("crashy"));
    ASSERT_TRUE(WaitProcessed(client.admin.get()).ok());

    // Every event is evaluated again: an acked one must come back as a
    // duplicate with its decision (nothing acked is lost); one whose ack the
    // crash swallowed is either in the log already or logged now. The fatal
    // event gets the culprit's on_error route either way.
    for (const Event& e : events_) {
      riskflow::v1::EvaluateResponse r;
      grpc::Status s = Evaluate(client.ingest.get(), e, kRpcTimeout, &r);
      ASSERT_TRUE(s.ok()) << e.event_id() << ": " << s.error_message();
      const Decision& d = r.decision();
      auto a = acked.find(e.event_id());
      if (a != acked.end()) {
        EXPECT_TRUE(r.duplicate()) << e.event_id();
        EXPECT_EQ(d.sequence(), a->second.sequence) << e.event_id();
      }
      const riskflow::v1::Annotation* crashy = FindAnnotation(d, "crashy");
      if (e.event_id() == events_[kFatalIndex].event_id()) {
        ASSERT_NE(crashy, nullptr);
        EXPECT_TRUE(crashy->degraded());
        EXPECT_THAT(crashy->message(), HasSubstr(reason_part));
        EXPECT_EQ(d.route(), riskflow::v1::MANUAL_REVIEW);
      }
      if (e.type() == riskflow::v1::PAYOUT) {
        EXPECT_NE(FindAnnotation(d, "large_payout"), nullptr) << e.event_id();
        EXPECT_EQ(d.route(), riskflow::v1::MANUAL_REVIEW) << e.event_id();
      }
    }
  }

  // Clears the quarantine over Admin; a new event then runs crashy again
  // (no DETECTOR_QUARANTINED annotation).
  void ClearAndExpectActive(DaemonProcess* daemon) {
    Clients client(MakeChannel(daemon->port()));
    Event probe = Login("probe-before", "acct-probe", kT0 + 100000);
    riskflow::v1::EvaluateResponse r;
    ASSERT_TRUE(Evaluate(client.ingest.get(), probe, kRpcTimeout, &r).ok());
    const riskflow::v1::Annotation* a = FindAnnotation(r.decision(), "crashy");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->reason_code(), "DETECTOR_QUARANTINED");

    {
      grpc::ClientContext ctx;
      riskflow::v1::ClearQuarantineRequest req;
      req.set_detector("crashy");
      riskflow::v1::ClearQuarantineResponse resp;
      grpc::Status s = client.admin->ClearQuarantine(&ctx, req, &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_TRUE(resp.cleared());
    }
    {
      grpc::ClientContext ctx;
      riskflow::v1::ClearQuarantineRequest req;
      req.set_detector("crashy");
      riskflow::v1::ClearQuarantineResponse resp;
      EXPECT_EQ(client.admin->ClearQuarantine(&ctx, req, &resp).error_code(),
                grpc::StatusCode::NOT_FOUND);
    }
    probe = Login("probe-after", "acct-probe", kT0 + 100010);
    ASSERT_TRUE(Evaluate(client.ingest.get(), probe, kRpcTimeout, &r).ok());
    EXPECT_EQ(FindAnnotation(r.decision(), "crashy"), nullptr);
    absl::StatusOr<riskflow::v1::Health> h = GetHealth(client.admin.get());
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE(h->quarantined_detectors().empty());
  }

  // The fatal path shared by segv / abort / hang: the first process dies on
  // its own, the restart serves and contains the culprit.
  void CrashRestartContain(const std::string& mode, int expected_signal,
                           const std::string& reason_part) {
    auto first = DaemonProcess::Start(
        RiskflowdPath(), data_dir_, Args(mode, {"--watchdog_grace_ms=3000"}));
    ASSERT_TRUE(first.ok()) << first.status();
    const std::map<std::string, AckedEvent> acked = PublishAll(first->get());
    if (mode == "hang") ExpectNotServingUntilAbort((*first)->port());
    absl::StatusOr<int> status = (*first)->WaitExit(absl::Seconds(60));
    ASSERT_TRUE(status.ok()) << status.status();
    ASSERT_TRUE(WIFSIGNALED(*status)) << "exit status " << *status;
    EXPECT_EQ(WTERMSIG(*status), expected_signal);

    std::unique_ptr<DaemonProcess> second = Restart(Args(mode));
    ASSERT_NE(second, nullptr);
    ExpectContained(second.get(), acked, reason_part);
    ClearAndExpectActive(second.get());
    absl::StatusOr<int> code = second->Terminate();
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0);
  }

  // Until the watchdog aborts the process: health must turn not-serving
  // with the reason, over Admin.GetHealth and grpc.health.v1.
  void ExpectNotServingUntilAbort(int port) {
    Clients client(MakeChannel(port));
    bool admin_said = false, grpc_said = false;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline && !(admin_said && grpc_said)) {
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      riskflow::v1::Health h;
      grpc::Status s =
          client.admin->GetHealth(&ctx, riskflow::v1::GetHealthRequest(), &h);
      if (!s.ok() && s.error_code() == grpc::StatusCode::UNAVAILABLE) break;
      if (s.ok() && !h.serving()) {
        admin_said = true;
        EXPECT_THAT(h.not_serving_reason(), HasSubstr("detector 'crashy'"));
        EXPECT_THAT(h.not_serving_reason(), HasSubstr("log sequence 18"));
      }
      // grpc.health.v1.HealthCheckResponse{status: NOT_SERVING (2)}.
      RawResult r = RawUnaryCall(client.channel, "/grpc.health.v1.Health/Check",
                                 "", absl::Seconds(2));
      if (r.status.ok() && r.responses.size() == 1 &&
          r.responses[0] == std::string("\x08\x02", 2)) {
        grpc_said = true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_TRUE(admin_said) << "Admin.GetHealth never said not serving";
    EXPECT_TRUE(grpc_said) << "grpc.health.v1 never said NOT_SERVING";
  }

  std::string data_dir_;
  std::vector<Event> events_ = Stream();
  std::vector<PublishRequest> batches_;
};

TEST_F(PluginCrashTest, SegfaultQuarantinesTheDetectorAtTheNextStart) {
  CrashRestartContain("segv", SIGSEGV, "SIGSEGV");
}

TEST_F(PluginCrashTest, AbortQuarantinesTheDetectorAtTheNextStart) {
  CrashRestartContain("abort", SIGABRT, "SIGABRT");
}

TEST_F(PluginCrashTest, HangIsAbortedByTheWatchdogAndQuarantined) {
  CrashRestartContain("hang", SIGABRT, "hung on log sequence");
}

TEST_F(PluginCrashTest, OomKillTwiceOnTheSameEventQuarantines) {
  // Filling 64 MB can take longer than the short watchdog limit on a loaded
  // machine; this test is about SIGKILL alone.
  const std::vector<std::string> args =
      Args("oom", {"--watchdog_floor_ms=60000"});
  auto first = DaemonProcess::Start(RiskflowdPath(), data_dir_, args);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::map<std::string, AckedEvent> acked = PublishAll(first->get());
  absl::StatusOr<int> status = (*first)->WaitExit(absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  // One SIGKILL is not evidence (kill -9 under load must not quarantine an
  // innocent detector): the second process re-runs the event and dies too —
  // before or, since it serves during recovery, soon after it serves.
  auto second = DaemonProcess::Start(RiskflowdPath(), data_dir_, args);
  if (second.ok()) {
    absl::StatusOr<int> again = (*second)->WaitExit(absl::Seconds(60));
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_TRUE(WIFSIGNALED(*again));
    EXPECT_EQ(WTERMSIG(*again), SIGKILL);
  }
  std::unique_ptr<DaemonProcess> third = Restart(args);
  ASSERT_NE(third, nullptr);
  ExpectContained(third.get(), acked, "killed twice");
}

TEST_F(PluginCrashTest, ThrowThroughTheCAbiIsContainedAndPersists) {
  auto first = DaemonProcess::Start(RiskflowdPath(), data_dir_, Args("throw"));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::map<std::string, AckedEvent> acked = PublishAll(first->get());
  EXPECT_EQ(acked.size(), events_.size());
  // Contained in-process: the daemon keeps serving.
  ExpectContained(first->get(), acked, "threw through the C ABI");
  absl::StatusOr<int> code = (*first)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  // The quarantine is on record: the restart keeps it.
  std::unique_ptr<DaemonProcess> second = Restart(Args("throw"));
  ASSERT_NE(second, nullptr);
  ExpectContained(second.get(), acked, "threw through the C ABI");
  ClearAndExpectActive(second.get());
  ASSERT_TRUE(second->Terminate().ok());
  // ... and so is the clearing.
  std::unique_ptr<DaemonProcess> third = Restart(Args("throw"));
  ASSERT_NE(third, nullptr);
  Clients client(MakeChannel(third->port()));
  absl::StatusOr<riskflow::v1::Health> h = GetHealth(client.admin.get());
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->quarantined_detectors().empty());
}

TEST_F(PluginCrashTest, SigtermExitsWithinTheBoundWhileADetectorHangs) {
  // Watchdog off: only the shutdown deadline can end this process.
  auto first = DaemonProcess::Start(
      RiskflowdPath(), data_dir_,
      Args("hang", {"--watchdog_budget_multiple=0", "--shutdown_timeout_s=2"}));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::map<std::string, AckedEvent> acked = PublishAll(first->get());
  ASSERT_GT(acked.count(events_[kFatalIndex].event_id()), 0u);
  absl::SleepFor(absl::Milliseconds(300));  // let the shard reach the event
  const absl::Time begin = absl::Now();
  absl::StatusOr<int> code = (*first)->Terminate(absl::Seconds(30));
  const absl::Duration took = absl::Now() - begin;
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);
  EXPECT_LT(took, absl::Seconds(15));
  std::fprintf(stderr, "FIGURE SIGTERM with a hung detector exited in %s\n",
               absl::FormatDuration(took).c_str());
}

}  // namespace
}  // namespace riskflow::e2e
