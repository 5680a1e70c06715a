// End to end: the real riskflowd (in this process, on loopback) and the
// riskflow-cases binary as a separate process consuming its sinks over the
// public Sinks API, like any downstream system.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/sqlite_db.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "proto/riskflow/v1/cases.grpc.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "tools/riskflow/audit.h"
#include "tools/riskflow/test_daemon.h"
#include "pipeline/cases/evidence_html.h"
#include "tools/riskflow_cases/recent_events_fetcher.h"

extern char** environ;

namespace riskflow::cases {
namespace {

using ::riskflow::cli::testing::MakeTempDir;
using ::riskflow::cli::testing::TestDaemon;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kT0 = 1700000000000;

std::string CasesBinary() {
  return absl::StrCat(getenv("TEST_SRCDIR"),
                      "/riskflow/tools/riskflow_cases/riskflow-cases");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// riskflow-cases as a child process, stdout and stderr into files.
class CasesProcess {
 public:
  CasesProcess(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv = {CasesBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (std::string& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ) !=
        0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~CasesProcess() {
    if (pid_ > 0) Kill();
  }
  bool started() const { return pid_ > 0; }
  void Terminate() { kill(pid_, SIGTERM); }
  void Kill() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // The exit code, or -1 when it did not exit by itself within `timeout`.
  int Wait(absl::Duration timeout) {
    const absl::Time until = absl::Now() + timeout;
    while (absl::Now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

riskflow::v1::Event Money(const std::string& id, const std::string& account,
                          riskflow::v1::EventType type, int64_t amount,
                          int64_t time_ms) {
  riskflow::v1::Event e;
  e.set_event_id(id);
  e.set_channel_id("cases-e2e");
  e.set_type(type);
  e.set_event_time_ms(time_ms);
  e.set_account_id(account);
  e.set_counterparty(absl::StrCat("cp-", id));
  e.set_amount_minor(amount);
  e.set_currency("USD");
  return e;
}

class CasesE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start();
    ASSERT_TRUE(d.ok()) << d.status();
    daemon_ = std::move(d).value();
    dir_ = MakeTempDir("cases_e2e");
    db_ = dir_ + "/cases.db";
    log_ = dir_ + "/cases.log";
  }

  void Publish(const std::vector<riskflow::v1::Event>& events) {
    grpc::ClientContext context;
    auto stream = daemon_->ingest()->Publish(&context);
    uint64_t batch_id = 0;
    for (size_t i = 0; i < events.size(); i += 500) {
      riskflow::v1::PublishRequest request;
      request.set_batch_id(++batch_id);
      for (size_t j = i; j < std::min(events.size(), i + 500); ++j) {
        *request.add_events() = events[j];
      }
      ASSERT_TRUE(stream->Write(request));
    }
    stream->WritesDone();
    riskflow::v1::PublishAck ack;
    uint64_t accepted = 0;
    while (stream->Read(&ack)) accepted += ack.accepted();
    ASSERT_TRUE(stream->Finish().ok());
    ASSERT_EQ(accepted, events.size());
    ASSERT_TRUE(daemon_->WaitProcessed().ok());
  }

  std::vector<riskflow::v1::Decision> Sink(riskflow::v1::Route sink) {
    riskflow::v1::SubscribeRequest request;
    request.set_sink(sink);
    request.set_stop_at_end(true);
    grpc::ClientContext context;
    auto reader = daemon_->sinks()->Subscribe(&context, request);
    std::vector<riskflow::v1::Decision> out;
    riskflow::v1::Decision d;
    while (reader->Read(&d)) out.push_back(d);
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  std::vector<std::string> ServeArgs(std::vector<std::string> extra) {
    std::vector<std::string> args = {"serve", "--db=" + db_,
                                     "--target=" + daemon_->target()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Runs `riskflow-cases serve --once` to completion.
  void Drain() {
    CasesProcess p(ServeArgs({"--once"}), log_);
    ASSERT_TRUE(p.started());
    ASSERT_EQ(p.Wait(absl::Seconds(60)), 0) << ReadFile(log_);
  }

  std::unique_ptr<CaseStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<CaseStore>> s = CaseStore::Open(db_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::unique_ptr<TestDaemon> daemon_;
  std::string dir_, db_, log_;
};

TEST_F(CasesE2eTest, FreezeScenarioOpensACaseWithItsEvidence) {
  std::vector<riskflow::v1::Event> events;
  // 22 payments in 22 s: velocity_extreme freezes the 21st and 22nd.
  for (int i = 0; i < 22; ++i) {
    events.push_back(Money(absl::StrCat("burst-", i), "acct-burst",
                           riskflow::v1::PAYMENT, 1000, kT0 + i * 1000));
  }
  // A payout above large_amount's USD threshold: MANUAL_REVIEW.
  events.push_back(Money("big-1", "acct-big", riskflow::v1::PAYOUT, 2'000'000,
                         kT0));
  Publish(events);
  const std::vector<riskflow::v1::Decision> freeze = Sink(riskflow::v1::FREEZE);
  ASSERT_EQ(freeze.size(), 2u);
  ASSERT_EQ(Sink(riskflow::v1::MANUAL_REVIEW).size(), 1u);

  Drain();
  std::unique_ptr<CaseStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<Case>> cases = store->List({});
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->size(), 2u);
  absl::StatusOr<std::vector<Case>> burst =
      store->List({.account_id = "acct-burst"});
  ASSERT_TRUE(burst.ok());
  ASSERT_EQ(burst->size(), 1u);
  const Case& c = (*burst)[0];
  EXPECT_EQ(c.severity, "FREEZE");
  EXPECT_EQ(c.decision_count, 2);
  EXPECT_EQ(c.state, CaseState::kOpen);
  absl::StatusOr<CaseStore::Export> e = store->ExportEvidence(c.id, "test");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(e->json, HasSubstr("\"detector\":\"velocity_extreme\""));
  EXPECT_THAT(e->json, HasSubstr("{\"key\":\"count\",\"value\":\"21\"}"));
  EXPECT_THAT(e->json,
              HasSubstr(absl::StrCat("\"pipeline_versions\":[\"",
                                     freeze[0].pipeline_version(), "\"]")));
  ASSERT_GT(freeze[0].plugin_builds_size(), 0);
  EXPECT_THAT(e->json, HasSubstr(freeze[0].plugin_builds(0).build_id()));
  absl::StatusOr<std::vector<Case>> big = store->List({.account_id = "acct-big"});
  ASSERT_TRUE(big.ok());
  ASSERT_EQ(big->size(), 1u);
  EXPECT_EQ((*big)[0].severity, "MANUAL_REVIEW");
  EXPECT_EQ((*big)[0].max_freeze_amount_minor, 0);

  // The cursor riskflowd holds for the consumer is past everything.
  riskflow::v1::SubscribeRequest request;
  request.set_sink(riskflow::v1::FREEZE);
  request.set_consumer("riskflow-cases");
  request.set_from_committed(true);
  request.set_stop_at_end(true);
  grpc::ClientContext context;
  auto reader = daemon_->sinks()->Subscribe(&context, request);
  riskflow::v1::Decision d;
  EXPECT_FALSE(reader->Read(&d));
  EXPECT_TRUE(reader->Finish().ok());

  // Releasing the frozen account takes two people; the same one is refused.
  Action alice{c.id, c.version, "alice", kRoleReviewer, "checking", {}};
  absl::StatusOr<Case> next =
      store->Transition(alice, CaseState::kInvestigating);
  ASSERT_TRUE(next.ok()) << next.status();
  alice.expected_version = next->version;
  next = store->RequestRelease(alice);
  ASSERT_TRUE(next.ok()) << next.status();
  Action same{c.id, next->version, "alice", kRoleSenior, "", {}};
  EXPECT_EQ(store->ApproveRelease(same).status().code(),
            absl::StatusCode::kPermissionDenied);
  Action bob{c.id, next->version, "bob", kRoleSenior, "verified by phone", {}};
  next = store->ApproveRelease(bob);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->state, CaseState::kReleased);
  store.reset();

  // The audit chain verifies with the CLI, and names an edited entry.
  std::ostringstream out, err;
  EXPECT_EQ(cli::AuditMain({"verify", "--db=" + db_}, out, err), 0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("audit chain OK"));
  {
    absl::StatusOr<std::unique_ptr<Db>> raw = Db::Open(db_, {});
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE((*raw)
                    ->Exec("UPDATE audit_log SET actor = 'mallory' WHERE "
                           "action = 'case.approve_release'")
                    .ok());
  }
  std::ostringstream out2, err2;
  EXPECT_EQ(cli::AuditMain({"verify", "--db=" + db_}, out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("audit chain BROKEN at entry"));
  EXPECT_THAT(err2.str(), HasSubstr("contents do not match its hash"));
}

TEST_F(CasesE2eTest, KilledMidStreamLosesAndDuplicatesNothing) {
  constexpr int kAccounts = 120;
  constexpr int kEvents = 26;  // the 21st..26th freeze: 6 per account
  std::vector<riskflow::v1::Event> events;
  for (int i = 0; i < kEvents; ++i) {
    for (int a = 0; a < kAccounts; ++a) {
      events.push_back(Money(absl::StrCat("k-", a, "-", i),
                             absl::StrCat("acct-", a), riskflow::v1::TRANSFER,
                             500, kT0 + i * 1000));
    }
  }
  Publish(events);
  const std::vector<riskflow::v1::Decision> freeze = Sink(riskflow::v1::FREEZE);
  ASSERT_EQ(freeze.size(), size_t{kAccounts * (kEvents - 20)});

  auto attached = [&]() -> int64_t {
    std::unique_ptr<CaseStore> store = OpenStore();
    if (store == nullptr) return -1;
    absl::StatusOr<std::vector<Case>> cases = store->List({.limit = 0});
    if (!cases.ok()) return -1;
    int64_t n = 0;
    for (const Case& c : *cases) n += c.decision_count;
    return n;
  };
  {
    CasesProcess p(ServeArgs({"--batch=10", "--batch_delay_ms=25"}), log_);
    ASSERT_TRUE(p.started());
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (absl::Now() < until && attached() < 150) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    p.Kill();
  }
  const int64_t at_kill = attached();
  ASSERT_GE(at_kill, 150) << ReadFile(log_);
  ASSERT_LT(at_kill, static_cast<int64_t>(freeze.size()))
      << "the kill should land mid-stream";
  // A lost commit: the stored cursor falls 25 entries behind, so the
  // restart re-reads decisions it already holds.
  {
    absl::StatusOr<std::unique_ptr<Db>> raw = Db::Open(db_, {});
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE((*raw)
                    ->Exec("UPDATE sink_cursors SET sequence = sequence - 25 "
                           "WHERE sink = 'FREEZE'")
                    .ok());
  }
  Drain();
  EXPECT_THAT(ReadFile(log_), HasSubstr("25 duplicates skipped"));

  std::unique_ptr<CaseStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<Case>> cases = store->List({.limit = 0});
  ASSERT_TRUE(cases.ok());
  EXPECT_EQ(cases->size(), size_t{kAccounts});
  std::set<std::string> accounts, decision_ids;
  for (const Case& c : *cases) {
    EXPECT_TRUE(accounts.insert(c.account_id).second) << c.account_id;
    EXPECT_EQ(c.decision_count, kEvents - 20) << c.account_id;
    absl::StatusOr<std::vector<AttachedDecision>> ds = store->Decisions(c.id);
    ASSERT_TRUE(ds.ok());
    for (const AttachedDecision& d : *ds) {
      EXPECT_EQ(d.decision.account_id(), c.account_id);
      EXPECT_TRUE(decision_ids.insert(d.decision.decision_id()).second);
    }
  }
  std::set<std::string> expected;
  for (const auto& d : freeze) expected.insert(d.decision_id());
  EXPECT_EQ(decision_ids, expected);
  EXPECT_EQ(*store->SinkCursor(riskflow::v1::FREEZE),
            freeze.back().sink_sequence());
  // One audit entry per case opened and per decision attached, plus one
  // per recent-events snapshot frozen into the evidence; no more.
  int64_t snapshots = 0;
  for (const Case& c : *cases) {
    absl::StatusOr<std::vector<CaseStore::RecentEventsSnapshot>> r =
        store->RecentEvents(c.id);
    ASSERT_TRUE(r.ok());
    snapshots += static_cast<int64_t>(r->size());
  }
  absl::StatusOr<AuditVerifyResult> v = store->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->entries, static_cast<int64_t>(freeze.size()) + snapshots);
  absl::StatusOr<std::vector<Notification>> n = store->ReadNotifications(0, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->size(), size_t{2 * kAccounts});  // opened + held, once each
}

TEST_F(CasesE2eTest, CustomerServiceLooksUpEventsAndAccountsOverGrpc) {
  std::vector<riskflow::v1::Event> events;
  for (int i = 0; i < 22; ++i) {
    events.push_back(Money(absl::StrCat("cs-", i), "acct-cs",
                           riskflow::v1::PAYMENT, 1000, kT0 + i * 1000));
  }
  Publish(events);
  const std::string port_file = dir_ + "/port";
  CasesProcess p(ServeArgs({"--listen=127.0.0.1:0", "--port_file=" + port_file,
                            "--poll_ms=20"}),
                 log_);
  ASSERT_TRUE(p.started());
  std::string port;
  for (int i = 0; i < 500 && port.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    std::ifstream in(port_file);
    std::getline(in, port);
  }
  ASSERT_FALSE(port.empty()) << ReadFile(log_);
  auto stub = riskflow::v1::Cases::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  riskflow::v1::EventLookup found;
  grpc::Status s;
  for (int i = 0; i < 250; ++i) {
    grpc::ClientContext context;
    riskflow::v1::LookupEventRequest request;
    request.set_event_id("cases-e2e/cs-21");
    s = stub->LookupEvent(&context, request, &found);
    if (s.ok()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(s.ok()) << s.error_message() << ReadFile(log_);
  EXPECT_EQ(found.decision().route(), riskflow::v1::FREEZE);
  // cs-20's FREEZE held acct-cs, so cs-21 is FREEZE by the hold alone
  // (docs/account-holds.md) and joins the same case.
  ASSERT_EQ(found.decision().annotations_size(), 1);
  EXPECT_EQ(found.decision().annotations(0).detector(), "account_hold");
  EXPECT_EQ(found.decision().annotations(0).reason_code(), "ACCOUNT_HELD");
  EXPECT_EQ(found.case_summary().account_id(), "acct-cs");
  EXPECT_EQ(found.case_summary().state(), "OPEN");
  EXPECT_EQ(found.case_summary().evidence_sha256().size(), 64u);

  riskflow::v1::AccountLookup account;
  {
    grpc::ClientContext context;
    riskflow::v1::LookupAccountRequest request;
    request.set_account_id("acct-cs");
    ASSERT_TRUE(stub->LookupAccount(&context, request, &account).ok());
  }
  EXPECT_TRUE(account.has_open_case());
  EXPECT_TRUE(account.frozen());
  EXPECT_EQ(account.cases_size(), 1);
  ASSERT_EQ(account.last_decisions_size(), 2);
  EXPECT_EQ(account.last_decisions(0).event_id(), "cs-21");  // newest first
  {
    // An event that never reached a case, and a request without an id.
    grpc::ClientContext c1, c2;
    riskflow::v1::LookupEventRequest unknown;
    unknown.set_event_id("cases-e2e/cs-3");  // NOTIFY only
    riskflow::v1::EventLookup out;
    grpc::Status u = stub->LookupEvent(&c1, unknown, &out);
    EXPECT_EQ(u.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(u.error_message(), HasSubstr("no case holds its decision"));
    grpc::Status e = stub->LookupEvent(&c2, {}, &out);
    EXPECT_EQ(e.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(e.error_message(), HasSubstr("event_id: required"));
  }
  p.Terminate();
  EXPECT_EQ(p.Wait(absl::Seconds(30)), 0) << ReadFile(log_);
}


// Issue 10, item 3: the account's recent events from riskflowd's log are
// frozen into the evidence when the case opens, and what is new when a
// flag joins; other accounts' events and events outside the window are not.
TEST_F(CasesE2eTest, EvidenceFreezesTheAccountsRecentEventsFromTheLog) {
  std::vector<riskflow::v1::Event> events;
  // Ten days before the burst: outside a 7d window.
  events.push_back(Money("old-1", "acct-burst", riskflow::v1::PAYMENT, 700,
                         kT0 - 10 * 24 * 3600 * 1000LL));
  for (int i = 0; i < 22; ++i) {
    events.push_back(Money(absl::StrCat("burst-", i), "acct-burst",
                           riskflow::v1::PAYMENT, 1000, kT0 + i * 1000));
    // Another account in between (too few events to be flagged).
    if (i % 3 == 0) {
      events.push_back(Money(absl::StrCat("noise-", i), "acct-noise",
                             riskflow::v1::PAYMENT, 1000, kT0 + i * 1000));
    }
  }
  Publish(events);
  ASSERT_EQ(Sink(riskflow::v1::FREEZE).size(), 2u);

  auto snapshots = [&]() -> std::vector<CaseStore::RecentEventsSnapshot> {
    std::unique_ptr<CaseStore> store = OpenStore();
    if (store == nullptr) return {};
    absl::StatusOr<std::vector<Case>> c =
        store->List({.account_id = "acct-burst"});
    if (!c.ok() || c->empty()) return {};
    auto r = store->RecentEvents((*c)[0].id);
    return r.ok() ? *r : std::vector<CaseStore::RecentEventsSnapshot>{};
  };
  auto wait_for = [&](size_t n) {
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (absl::Now() < until && snapshots().size() < n) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    return snapshots();
  };
  CasesProcess p(ServeArgs({"--evidence_recent_events=50",
                            "--evidence_recent_window=7d"}),
                 log_);
  ASSERT_TRUE(p.started());
  std::vector<CaseStore::RecentEventsSnapshot> s = wait_for(1);
  ASSERT_EQ(s.size(), 1u) << ReadFile(log_);
  ASSERT_TRUE(s[0].ok) << s[0].error;
  EXPECT_THAT(s[0].trigger, HasSubstr("case_opened decision=cases-e2e/burst-"));
  const riskflow::v1::GetAccountEventsResponse& first = s[0].response;
  ASSERT_EQ(first.events_size(), 22) << first.DebugString();
  for (int i = 0; i < 22; ++i) {
    const riskflow::v1::AccountEvent& e = first.events(i);
    EXPECT_EQ(e.event().event_id(), absl::StrCat("burst-", 21 - i));
    EXPECT_EQ(e.event().account_id(), "acct-burst");
    EXPECT_TRUE(e.decided());
    // The two frozen ones, then earlier ones (PASS or NOTIFY).
    EXPECT_EQ(e.decision().route() == riskflow::v1::FREEZE, i < 2)
        << e.event().event_id();
    if (i > 0) EXPECT_LT(e.sequence(), first.events(i - 1).sequence());
  }
  EXPECT_TRUE(first.complete());

  // A later flag joins the case: only what is new since the snapshot.
  Publish({Money("burst-22", "acct-burst", riskflow::v1::PAYMENT, 1000,
                 kT0 + 22 * 1000),
           Money("noise-22", "acct-noise", riskflow::v1::PAYMENT, 1000,
                 kT0 + 22 * 1000)});
  s = wait_for(2);
  ASSERT_EQ(s.size(), 2u) << ReadFile(log_);
  ASSERT_TRUE(s[1].ok) << s[1].error;
  EXPECT_THAT(s[1].trigger,
              HasSubstr("flag_joined decision=cases-e2e/burst-22"));
  ASSERT_EQ(s[1].response.events_size(), 1) << s[1].response.DebugString();
  EXPECT_EQ(s[1].response.events(0).event().event_id(), "burst-22");
  EXPECT_EQ(s[1].response.stopped_by(), "after_sequence");
  p.Terminate();
  p.Wait(absl::Seconds(10));

  // The bundle (JSON, its SHA-256) and the printable page carry them.
  std::unique_ptr<CaseStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<Case> c = store->FindByEvent("burst-21");
  ASSERT_TRUE(c.ok()) << c.status();
  absl::StatusOr<CaseStore::Export> e = store->ExportEvidence(c->id, "test");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(e->json, HasSubstr("\"recent_account_events\":{\"pending\":"
                                 "false,\"snapshots\":[{\"taken_ms\":"));
  EXPECT_THAT(e->json, HasSubstr("\"event_id\":\"burst-3\""));
  EXPECT_THAT(e->json, Not(HasSubstr("noise-")));
  EXPECT_THAT(e->json, Not(HasSubstr("old-1")));
  absl::StatusOr<std::string> sha = store->EvidenceSha256(c->id);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, e->sha256);
  auto ds = store->Decisions(c->id);
  auto hs = store->History(c->id);
  auto rs = store->RecentEvents(c->id);
  ASSERT_TRUE(ds.ok() && hs.ok() && rs.ok());
  const std::string html = RenderEvidenceHtml(*c, *ds, *hs, e->sha256, *rs);
  EXPECT_THAT(html, HasSubstr("<td>burst-22</td>"));
  EXPECT_THAT(html, HasSubstr("stopped by after_sequence"));
}

// riskflowd unreachable: the case is there all the same, and its evidence
// says the recent events could not be fetched and why.
TEST_F(CasesE2eTest, UnreachableRiskflowdNeverLosesTheCase) {
  Publish({Money("big-1", "acct-big", riskflow::v1::PAYOUT, 2'000'000, kT0)});
  Drain();  // --once: the case exists; its fetch is still queued
  std::unique_ptr<CaseStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<Case>> cases = store->List({});
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 1u);
  const int64_t id = (*cases)[0].id;
  const std::string target = daemon_->target();
  daemon_.reset();  // riskflowd is gone
  auto pending = store->PendingRecentEvents(10);
  ASSERT_TRUE(pending.ok());
  if (pending->empty()) GTEST_SKIP() << "the fetch won the race with --once";
  absl::StatusOr<CaseStore::Export> before = store->ExportEvidence(id, "t");
  ASSERT_TRUE(before.ok());
  EXPECT_THAT(before->json, HasSubstr("\"pending\":true"));

  console::RiskflowdClient client(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
      absl::Seconds(2));
  RecentEventsOptions options;
  options.max_attempts = 2;
  // First try: retried later (the error is the pass's result).
  absl::StatusOr<int64_t> r = FetchRecentEvents(store.get(), &client, options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  // Second: out of attempts, the error is frozen into the evidence.
  r = FetchRecentEvents(store.get(), &client, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 1);
  absl::StatusOr<CaseStore::Export> after = store->ExportEvidence(id, "t");
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->json, HasSubstr("\"pending\":false"));
  EXPECT_THAT(after->json,
              HasSubstr("\"fetched\":false,\"error\":\"the account's "
                        "recent events could not be fetched from riskflowd: "
                        "UNAVAILABLE: riskflowd GetAccountEvents: "));
  EXPECT_NE(after->sha256, before->sha256);
  ASSERT_TRUE(store->Get(id).ok());
}

}  // namespace
}  // namespace riskflow::cases
