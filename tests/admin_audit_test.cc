// riskflowd's Admin audit log (docs/audit-log.md) on a real daemon over
// mTLS with a policy: reload, list changes, hold, release and refused calls
// are recorded with the caller's certificate identity; `riskflow audit
// verify --data_dir` finds an edited byte and a deleted entry. Also
// Admin.GetAccountEvents (docs/cases.md) on a dev-mode daemon.
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/server/daemon.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"
#include "tests/test_daemon.h"
#include "tests/tls_certs.h"
#include "tools/riskflow/audit.h"

namespace riskflow::e2e {
namespace {

using ::testing::HasSubstr;

// consumer-notify has a certificate from the CA but no role here.
constexpr char kPolicy[] = R"(identities:
  ingest-card: {ingest: [card]}
  admin: {admin: true}
  reader: {reader: true}
)";

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  return ctx;
}

// `riskflow audit <verb> --data_dir DIR`: exit code and output.
int RunAudit(const std::string& verb, const std::string& dir,
             std::string* out) {
  std::ostringstream o, e;
  int rc = cli::AuditMain({verb, "--data_dir", dir, "--limit", "100"}, o, e);
  *out = o.str() + e.str();
  return rc;
}

void Exec(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* msg = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK)
      << (msg ? msg : "");
  sqlite3_free(msg);
  sqlite3_close(db);
}

class AdminAuditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::string> dir = MakeDevCerts();
    ASSERT_TRUE(dir.ok()) << dir.status();
    certs_ = new std::string(*dir);
    std::ofstream(*certs_ + "/policy.yaml") << kPolicy;
  }

  void SetUp() override {
    ASSERT_NE(certs_, nullptr);
    data_dir_ = MakeTempDir("riskflow-admin-audit");
    StartDaemon();
  }

  void StartDaemon() {
    riskflow::server::DaemonOptions o;
    o.listen_address = "127.0.0.1:0";
    o.data_dir = data_dir_;
    auto pipeline = config::ParsePipelineYaml(config::DefaultPipelineYaml());
    ASSERT_TRUE(pipeline.ok()) << pipeline.status();
    o.pipeline = *pipeline;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.security.tls_cert_file = *certs_ + "/server.pem";
    o.security.tls_key_file = *certs_ + "/server.key";
    o.security.tls_client_ca_file = *certs_ + "/ca.pem";
    o.security.auth_policy_file = *certs_ + "/policy.yaml";
    auto daemon = riskflow::server::Daemon::Start(o);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  void TearDown() override {
    if (daemon_ != nullptr) daemon_->Shutdown();
  }

  Clients As(const std::string& identity) {
    return Clients(MakeTlsChannel(daemon_->port(), {*certs_, identity}));
  }

  static std::string* certs_;
  std::string data_dir_;
  std::unique_ptr<riskflow::server::Daemon> daemon_;
};

std::string* AdminAuditTest::certs_ = nullptr;

TEST_F(AdminAuditTest, EveryAdminActionIsChainedAndVerifyFindsTampering) {
  Clients admin = As("admin");
  Clients reader = As("reader");
  Clients stranger = As("consumer-notify");

  // 1. A reload to another version (its name changes the version hash).
  riskflow::v1::ReloadPipelineRequest reload;
  reload.set_yaml(absl::StrReplaceAll(std::string(config::DefaultPipelineYaml()),
                                      {{"name: default\n", "name: audited\n"}}));
  reload.set_source("audited.yaml");
  riskflow::v1::ReloadPipelineResponse reloaded;
  {
    auto ctx = Ctx();
    ctx->AddMetadata("x-request-id", "change-4711");
    grpc::Status s = admin.admin->ReloadPipeline(ctx.get(), reload, &reloaded);
    ASSERT_TRUE(s.ok()) << s.error_message();
    auto echoed = ctx->GetServerTrailingMetadata().find("x-request-id");
    ASSERT_NE(echoed, ctx->GetServerTrailingMetadata().end());
    EXPECT_EQ(std::string(echoed->second.data(), echoed->second.size()),
              "change-4711");
  }
  // 2-3. A list entry added and removed.
  riskflow::v1::ListEntry entry;
  entry.set_kind(riskflow::v1::BLOCK);
  entry.set_entity(riskflow::v1::ACCOUNT);
  entry.set_value("acct-mule");
  entry.set_reason("mule ring");
  entry.set_added_by("somebody-else");
  riskflow::v1::ListEntry stored;
  ASSERT_TRUE(admin.admin->PutListEntry(Ctx().get(), entry, &stored).ok());
  riskflow::v1::DeleteListEntryRequest del;
  del.set_kind(riskflow::v1::BLOCK);
  del.set_entity(riskflow::v1::ACCOUNT);
  del.set_value("acct-mule");
  riskflow::v1::DeleteListEntryResponse deleted;
  ASSERT_TRUE(admin.admin->DeleteListEntry(Ctx().get(), del, &deleted).ok());
  // 4-5. A hold and its release.
  riskflow::v1::HoldRequest hold;
  hold.set_account_id("acct-held");
  hold.set_actor("zed-the-reviewer");
  hold.set_reason("customer called");
  hold.set_case_id("17");
  hold.set_request_id("hold-17");
  riskflow::v1::HoldResponse held;
  grpc::Status hs = admin.admin->PlaceHold(Ctx().get(), hold, &held);
  ASSERT_TRUE(hs.ok()) << hs.error_message();
  hold.set_request_id("release-17");
  hold.set_actor("amy-approver");
  riskflow::v1::HoldResponse released;
  hs = admin.admin->ReleaseHold(Ctx().get(), hold, &released);
  ASSERT_TRUE(hs.ok()) << hs.error_message();
  // 6-8. Refused: a reader reloading, an identity without a role putting a
  // list entry, and an admin with a bad request.
  riskflow::v1::ReloadPipelineResponse ignored;
  EXPECT_EQ(reader.admin->ReloadPipeline(Ctx().get(), reload, &ignored)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stranger.admin->PutListEntry(Ctx().get(), entry, &stored)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  riskflow::v1::HoldRequest bad;  // no account, actor or request id
  EXPECT_EQ(admin.admin->PlaceHold(Ctx().get(), bad, &held).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Reads are not audited.
  riskflow::v1::GetListEntriesResponse lists;
  ASSERT_TRUE(reader.admin->GetListEntries(Ctx().get(), {}, &lists).ok());

  // The log over gRPC: admin only.
  riskflow::v1::ListAuditEntriesRequest list_request;
  riskflow::v1::ListAuditEntriesResponse audit;
  EXPECT_EQ(reader.admin->ListAuditEntries(Ctx().get(), list_request, &audit)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      admin.admin->ListAuditEntries(Ctx().get(), list_request, &audit).ok());
  // The reader's refused ListAuditEntries is a read: not recorded either.
  ASSERT_EQ(audit.entries_size(), 8) << audit.DebugString();
  EXPECT_EQ(audit.head_seq(), 8u);
  const auto& e = audit.entries();
  struct Want {
    const char* actor;
    const char* action;
    const char* subject;
    std::vector<std::string> detail;
  };
  const std::vector<Want> want = {
      {"admin", "admin.reload_pipeline", "pipeline",
       {"\"request_id\":\"change-4711\"", "\"outcome\":\"OK\"",
        "\"authenticated\":true", "\"roles\":\"admin\"",
        "\"source\":\"audited.yaml\"", "\"dry_run\":false",
        absl::StrCat("\"version_hash\":\"",
                     reloaded.pipeline().version_hash(), "\""),
        "\"previous_version_hash\":\"", "\"effective_after_sequence\":"}},
      {"admin", "admin.put_list_entry", "list/BLOCK/ACCOUNT/acct-mule",
       {"\"outcome\":\"OK\"", "\"reason\":\"mule ring\"",
        "\"claimed_added_by\":\"somebody-else\"", "\"added_by\":\"admin\""}},
      {"admin", "admin.delete_list_entry", "list/BLOCK/ACCOUNT/acct-mule",
       {"\"outcome\":\"OK\"", "\"deleted\":true"}},
      {"admin", "admin.place_hold", "account/acct-held",
       {"\"request_id\":\"hold-17\"", "\"outcome\":\"OK\"",
        "\"claimed_actor\":\"zed-the-reviewer\"", "\"case_id\":\"17\"",
        absl::StrCat("\"decision_id\":\"", held.decision().decision_id(),
                     "\"")}},
      {"admin", "admin.release_hold", "account/acct-held",
       {"\"request_id\":\"release-17\"", "\"outcome\":\"OK\"",
        "\"duplicate\":false"}},
      {"reader", "admin.reload_pipeline", "pipeline",
       {"\"outcome\":\"PERMISSION_DENIED: identity 'reader' may not call "
        "Admin.ReloadPipeline",
        "\"roles\":\"reader\""}},
      {"consumer-notify", "admin.put_list_entry",
       "list/BLOCK/ACCOUNT/acct-mule",
       {"\"outcome\":\"PERMISSION_DENIED:", "\"roles\":\"no role\"",
        "\"authenticated\":true"}},
      {"admin", "admin.place_hold", "account/",
       {"\"outcome\":\"INVALID_ARGUMENT: account_id:", "\"request_id\":\"rfd-"}},
  };
  std::string previous(64, '0');
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("entry ", i + 1, ": ", e[i].detail()));
    EXPECT_EQ(e[i].seq(), i + 1);
    EXPECT_EQ(e[i].actor(), want[i].actor);
    EXPECT_EQ(e[i].action(), want[i].action);
    EXPECT_EQ(e[i].subject(), want[i].subject);
    for (const std::string& part : want[i].detail) {
      EXPECT_THAT(e[i].detail(), HasSubstr(part));
    }
    EXPECT_EQ(e[i].prev_hash(), previous);
    previous = e[i].hash();
    EXPECT_GT(e[i].time_ms(), 0);
  }

  // `riskflow audit verify` on the live file, then list.
  std::string out;
  EXPECT_EQ(RunAudit("verify", data_dir_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit chain OK: 8 entries"));
  EXPECT_EQ(RunAudit("list", data_dir_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("admin.release_hold\taccount/acct-held"));

  // Stop (SQLite folds its WAL into the file), then keep a pristine copy.
  daemon_->Shutdown();
  const std::string db = data_dir_ + "/admin-audit.db";
  std::string bytes;
  {
    std::ifstream in(db, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_FALSE(bytes.empty());
  const std::string copy_dir = MakeTempDir("riskflow-admin-audit-copy");
  std::ofstream(copy_dir + "/admin-audit.db", std::ios::binary) << bytes;

  // One byte of entry 4 (the hold's claimed actor) edited in the file.
  const size_t at = bytes.find("zed-the-reviewer");
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find("zed-the-reviewer", at + 1), std::string::npos);
  bytes[at] = 'Z';
  std::ofstream(db, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_EQ(RunAudit("verify", data_dir_, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("audit chain BROKEN at entry 4: entry 4: "
                             "contents do not match its hash (edited)"));

  // An entry deleted (the copy): verify says which and where.
  EXPECT_EQ(RunAudit("verify", copy_dir, &out), 0) << out;
  Exec(copy_dir + "/admin-audit.db", "DELETE FROM audit_log WHERE seq = 6");
  EXPECT_EQ(RunAudit("verify", copy_dir, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("entry 6 is missing (deleted): entry 7 follows "
                             "entry 5"));
}

// The entries survive a restart and the chain continues across it.
TEST_F(AdminAuditTest, TheChainContinuesAfterARestart) {
  riskflow::v1::ClearQuarantineRequest clear;
  clear.set_detector("velocity_burst");  // not quarantined: NOT_FOUND
  riskflow::v1::ClearQuarantineResponse cleared;
  {
    Clients admin = As("admin");
    EXPECT_EQ(admin.admin->ClearQuarantine(Ctx().get(), clear, &cleared)
                  .error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  daemon_->Shutdown();
  daemon_.reset();
  StartDaemon();
  Clients admin = As("admin");
  EXPECT_EQ(admin.admin->ClearQuarantine(Ctx().get(), clear, &cleared)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  riskflow::v1::ListAuditEntriesRequest tail;
  tail.set_tail(true);
  tail.set_limit(5);
  riskflow::v1::ListAuditEntriesResponse audit;
  ASSERT_TRUE(admin.admin->ListAuditEntries(Ctx().get(), tail, &audit).ok());
  ASSERT_EQ(audit.entries_size(), 2);
  EXPECT_EQ(audit.entries(1).seq(), 2u);
  EXPECT_EQ(audit.entries(1).prev_hash(), audit.entries(0).hash());
  for (const auto& e : audit.entries()) {
    EXPECT_EQ(e.action(), "admin.clear_quarantine");
    EXPECT_EQ(e.subject(), "detector/velocity_burst");
    EXPECT_THAT(e.detail(),
                HasSubstr("\"outcome\":\"NOT_FOUND: detector "
                          "'velocity_burst' is not quarantined\""));
  }
  std::string out;
  EXPECT_EQ(RunAudit("verify", data_dir_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit chain OK: 2 entries"));
  riskflow::v1::ListAuditEntriesRequest too_many;
  too_many.set_limit(1001);
  EXPECT_EQ(admin.admin->ListAuditEntries(Ctx().get(), too_many, &audit)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Admin.GetAccountEvents (docs/cases.md, "Recent events"): newest first,
// only the account's events, bounded by limit, window and after_sequence,
// with decisions; the log read backwards across several chunks.
TEST(AccountEventsTest, NewestFirstBoundedAndWithDecisions) {
  int accounts = 100, per_account = 100;  // 10,000 events: 3 scan chunks
  if (const char* n = getenv("RISKFLOW_ACCOUNT_EVENTS_PER_ACCOUNT")) {
    per_account = atoi(n);  // for the cost figure in docs/cases.md
  }
  absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start();
  ASSERT_TRUE(d.ok()) << d.status();
  TestDaemon& daemon = **d;
  std::vector<riskflow::v1::Event> events;
  for (int i = 0; i < per_account; ++i) {
    for (int a = 0; a < accounts; ++a) {
      // One minute apart per account: no velocity flags.
      events.push_back(Payment(absl::StrCat("e-", a, "-", i),
                               absl::StrCat("acct-", a), "shop", 100 + i,
                               "EUR", kT0 + i * kMinute));
    }
  }
  std::vector<riskflow::v1::PublishAck> acks;
  ASSERT_TRUE(daemon.Publish(Batches(events, 1000), &acks).ok());
  ASSERT_TRUE(daemon.WaitProcessed().ok());
  const uint64_t total = static_cast<uint64_t>(accounts) * per_account;

  auto call = [&](const riskflow::v1::GetAccountEventsRequest& r,
                  riskflow::v1::GetAccountEventsResponse* out) {
    auto ctx = Ctx();
    return daemon.admin()->GetAccountEvents(ctx.get(), r, out);
  };
  riskflow::v1::GetAccountEventsRequest r;
  r.set_account_id("acct-7");
  r.set_limit(30);
  riskflow::v1::GetAccountEventsResponse out;
  const absl::Time start = absl::Now();
  grpc::Status s = call(r, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::cerr << "GetAccountEvents limit 30 of " << total << " events: "
            << out.scanned_records() << " records read in "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  ASSERT_EQ(out.events_size(), 30);
  EXPECT_EQ(out.stopped_by(), "limit");
  EXPECT_TRUE(out.complete());
  EXPECT_EQ(out.through_sequence(), total);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(out.events(i).event().event_id(),
              absl::StrCat("e-7-", per_account - 1 - i));
    EXPECT_TRUE(out.events(i).decided());
    EXPECT_EQ(out.events(i).decision().event_id(),
              out.events(i).event().event_id());
    EXPECT_EQ(out.events(i).decision().route(), riskflow::v1::PASS);
  }
  // The 30 newest of acct-7 lie within the last 30 x 100 records.
  EXPECT_LE(out.scanned_records(), 4096u);

  // A window of 10 minutes of event time before the last: 11 events.
  if (per_account == 100) {
    r.set_limit(0);  // default 50
    r.set_since_ms(kT0 + 89 * kMinute);
    ASSERT_TRUE(call(r, &out).ok());
    EXPECT_EQ(out.events_size(), 11);
    // The whole log is 100 minutes of event time, well inside the window's
    // slack (a day): the scan goes to the start.
    EXPECT_EQ(out.stopped_by(), "log_start");
    EXPECT_EQ(out.scanned_records(), total);
    // Only what is newer than a sequence.
    r.set_since_ms(0);
    r.set_after_sequence(total - 300);
    ASSERT_TRUE(call(r, &out).ok());
    EXPECT_EQ(out.events_size(), 3);  // e-7-97, -98, -99
    EXPECT_EQ(out.stopped_by(), "after_sequence");
    EXPECT_EQ(out.scanned_records(), 300u);
  }
  // An account without events: the whole log read (the worst case, up to
  // the scan cap), nothing found.
  r.set_after_sequence(0);
  r.set_since_ms(0);
  r.set_account_id("acct-nobody");
  const absl::Time worst = absl::Now();
  ASSERT_TRUE(call(r, &out).ok());
  std::cerr << "GetAccountEvents of an account without events in " << total
            << " events: " << out.scanned_records() << " records read in "
            << absl::FormatDuration(absl::Now() - worst) << " (stopped by "
            << out.stopped_by() << ")\n";
  EXPECT_EQ(out.events_size(), 0);
  // The cap is checked per 4096-record chunk.
  if (total <= 200000) {
    EXPECT_EQ(out.scanned_records(), total);
  } else {
    EXPECT_GE(out.scanned_records(), 200000u);
    EXPECT_LT(out.scanned_records(), 200000u + 4096u);
  }
  EXPECT_EQ(out.stopped_by(), total <= 200000 ? "log_start" : "scan_cap");
  EXPECT_EQ(out.complete(), total <= 200000);
  // Bounds: named errors.
  r.set_account_id("acct-7");
  r.set_limit(1001);
  s = call(r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("limit: at most 1000 events, got 1001"));
  r.set_limit(10);
  r.set_account_id("");
  s = call(r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("account_id: must be 1-128 bytes"));
  r.set_account_id("acct-7");
  r.set_since_ms(-5);
  s = call(r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("since_ms"));
}

}  // namespace
}  // namespace riskflow::e2e
