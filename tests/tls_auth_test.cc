// mTLS and authorization on a real daemon (127.0.0.1, port 0) with real
// certificates from tools/certs.sh: who may connect, and what each identity
// of the policy may do (docs/security.md).
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/server/daemon.h"
#include "tests/daemon_process.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"
#include "tests/tls_certs.h"
#include "tools/riskflow/cli.h"

namespace riskflow::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"(identities:
  ingest-card: {ingest: [card]}
  ingest-wallet: {ingest: [wallet]}
  consumer-freeze:
    consumer: [{sink: FREEZE, name: freeze-service}]
  consumer-notify:
    consumer: [{sink: NOTIFY, name: notifier}]
  admin: {admin: true}
  reader: {reader: true}
)";

class TlsAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::string> dir = MakeDevCerts();
    ASSERT_TRUE(dir.ok()) << dir.status();
    certs_ = new std::string(*dir);
    std::ofstream(*certs_ + "/policy.yaml") << kPolicy;
  }

  static riskflow::server::DaemonOptions Options(const std::string& listen) {
    riskflow::server::DaemonOptions o;
    o.listen_address = listen;
    o.data_dir = MakeTempDir("riskflow-tls");
    auto pipeline =
        config::ParsePipelineYaml(config::DefaultPipelineYaml());
    EXPECT_TRUE(pipeline.ok()) << pipeline.status();
    o.pipeline = *pipeline;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.security.tls_cert_file = *certs_ + "/server.pem";
    o.security.tls_key_file = *certs_ + "/server.key";
    o.security.tls_client_ca_file = *certs_ + "/ca.pem";
    o.security.auth_policy_file = *certs_ + "/policy.yaml";
    return o;
  }

  void SetUp() override {
    ASSERT_NE(certs_, nullptr);
    auto daemon = riskflow::server::Daemon::Start(Options("127.0.0.1:0"));
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  void TearDown() override {
    if (daemon_ != nullptr) daemon_->Shutdown();
  }

  // Stubs presenting `identity`'s certificate.
  Clients As(const std::string& identity, const std::string& ca = "ca") {
    return Clients(MakeTlsChannel(daemon_->port(), {*certs_, identity, ca}));
  }

  static std::string* certs_;
  std::unique_ptr<riskflow::server::Daemon> daemon_;
};

std::string* TlsAuthTest::certs_ = nullptr;

riskflow::v1::Event CardPayment(const std::string& id, const std::string& channel) {
  riskflow::v1::Event e = Payment(id, "acct-" + id, "shop", 100, "EUR", kT0);
  e.set_channel_id(channel);
  return e;
}

grpc::Status Health(Clients& c) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  riskflow::v1::Health health;
  return c.admin->GetHealth(&ctx, {}, &health);
}

TEST_F(TlsAuthTest, OnlyCertificatesFromTheConfiguredCaGetIn) {
  Clients reader = As("reader");
  EXPECT_TRUE(Health(reader).ok()) << Health(reader).error_message();
  // CN=admin, but signed by another CA: the handshake fails.
  Clients impostor = As("wrong-admin");
  grpc::Status s = Health(impostor);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // No client certificate at all.
  Clients anonymous = As("");
  s = Health(anonymous);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // A client that does not trust the server's CA refuses it.
  Clients distrustful = As("reader", "wrong-ca");
  s = Health(distrustful);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // Plaintext against a TLS port.
  Clients plain(MakeChannel(daemon_->port()));
  s = Health(plain);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(TlsAuthTest, IngestPublishesOnlyItsOwnChannelPerEvent) {
  Clients card = As("ingest-card");
  std::vector<riskflow::v1::PublishAck> acks;
  grpc::Status s = PublishBatches(
      card.ingest.get(),
      {Batch(1, {CardPayment("c-1", "card"), CardPayment("w-1", "wallet"),
                 CardPayment("c-2", "card")})},
      &acks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].accepted(), 2u);
  ASSERT_EQ(acks[0].errors_size(), 1);
  EXPECT_EQ(acks[0].errors(0).index(), 1u);
  EXPECT_EQ(acks[0].errors(0).event_id(), "w-1");
  EXPECT_EQ(acks[0].errors(0).code(), riskflow::v1::PERMISSION_DENIED);
  EXPECT_EQ(acks[0].errors(0).message(),
            "identity 'ingest-card' may not publish channel_id 'wallet' (its "
            "channels: card); the event was not logged");

  // Evaluate applies the same rule, as a call status.
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  riskflow::v1::EvaluateRequest request;
  *request.mutable_event() = CardPayment("w-2", "wallet");
  riskflow::v1::EvaluateResponse response;
  s = card.ingest->Evaluate(&ctx, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("may not publish channel_id 'wallet'"));
  grpc::ClientContext ok_ctx;
  ok_ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  *request.mutable_event() = CardPayment("c-3", "card");
  s = card.ingest->Evaluate(&ok_ctx, request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();

  // Only what was accepted reached the log.
  Clients admin = As("admin");
  ASSERT_TRUE(WaitProcessed(admin.admin.get()).ok());
  absl::StatusOr<riskflow::v1::Health> health = GetHealth(admin.admin.get());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->durable_sequence(), 3u);
}

TEST_F(TlsAuthTest, AnotherIdentityCannotPrePublishAChannelsEventId) {
  // The attack: card's client sends wallet's next event id first, hoping
  // wallet's real event then acks as a duplicate and is never evaluated.
  Clients card = As("ingest-card");
  std::vector<riskflow::v1::PublishAck> acks;
  ASSERT_TRUE(PublishBatches(card.ingest.get(),
                             {Batch(1, {CardPayment("w-77", "wallet")})}, &acks)
                  .ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].accepted(), 0u);
  EXPECT_EQ(acks[0].errors(0).code(), riskflow::v1::PERMISSION_DENIED);

  Clients wallet = As("ingest-wallet");
  acks.clear();
  ASSERT_TRUE(PublishBatches(wallet.ingest.get(),
                             {Batch(2, {CardPayment("w-77", "wallet")})},
                             &acks)
                  .ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].accepted(), 1u);
  EXPECT_EQ(acks[0].duplicates_size(), 0);
  EXPECT_EQ(acks[0].errors_size(), 0);
  // The same id on card's own channel is card's event, not wallet's.
  acks.clear();
  ASSERT_TRUE(PublishBatches(card.ingest.get(),
                             {Batch(3, {CardPayment("w-77", "card")})}, &acks)
                  .ok());
  EXPECT_EQ(acks[0].accepted(), 1u);
  EXPECT_EQ(acks[0].duplicates_size(), 0);
}

TEST_F(TlsAuthTest, RolesAreEnforcedPerRpc) {
  Clients card = As("ingest-card");
  grpc::ClientContext ctx;
  riskflow::v1::ReloadPipelineRequest reload;
  reload.set_yaml("name: noop\ndetectors: []\n");
  riskflow::v1::ReloadPipelineResponse reloaded;
  grpc::Status s = card.admin->ReloadPipeline(&ctx, reload, &reloaded);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "identity 'ingest-card' may not call Admin.ReloadPipeline: it "
            "needs the admin role (it has: ingest)");
  s = Health(card);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A reader may look, not change, and not publish.
  Clients reader = As("reader");
  EXPECT_TRUE(Health(reader).ok());
  grpc::ClientContext delete_ctx;
  riskflow::v1::DeleteListEntryRequest del;
  del.set_kind(riskflow::v1::BLOCK);
  del.set_entity(riskflow::v1::ACCOUNT);
  del.set_value("x");
  riskflow::v1::DeleteListEntryResponse deleted;
  s = reader.admin->DeleteListEntry(&delete_ctx, del, &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  std::vector<riskflow::v1::PublishAck> acks;
  s = PublishBatches(reader.ingest.get(),
                     {Batch(1, {CardPayment("r-1", "card")})}, &acks);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(),
              HasSubstr("identity 'reader' may not call Ingest.Publish: it "
                        "needs the ingest role"));
  EXPECT_TRUE(acks.empty());

  // The admin may reload (a dry run here).
  Clients admin = As("admin");
  grpc::ClientContext admin_ctx;
  reload.set_yaml(std::string(config::DefaultPipelineYaml()));
  reload.set_dry_run(true);
  s = admin.admin->ReloadPipeline(&admin_ctx, reload, &reloaded);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsAuthTest, OnlyTheOwnerMovesItsCursor) {
  riskflow::v1::CommitCursorRequest commit;
  commit.set_sink(riskflow::v1::FREEZE);
  commit.set_consumer("freeze-service");
  commit.set_sequence(0);
  riskflow::v1::CommitCursorResponse committed;

  Clients other = As("consumer-notify");
  grpc::ClientContext ctx;
  grpc::Status s = other.sinks->CommitCursor(&ctx, commit, &committed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "identity 'consumer-notify' may not call Sinks.CommitCursor: it "
            "needs the consumer role for consumer 'freeze-service' of FREEZE "
            "(it owns no consumer of FREEZE)");
  Clients admin = As("admin");
  grpc::ClientContext admin_ctx;
  s = admin.sinks->CommitCursor(&admin_ctx, commit, &committed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  Clients owner = As("consumer-freeze");
  grpc::ClientContext owner_ctx;
  s = owner.sinks->CommitCursor(&owner_ctx, commit, &committed);
  EXPECT_TRUE(s.ok()) << s.error_message();

  // Reading: the owner and the admin may, the other consumer may not.
  riskflow::v1::SubscribeRequest read;
  read.set_sink(riskflow::v1::FREEZE);
  read.set_consumer("freeze-service");
  read.set_from_committed(true);
  read.set_stop_at_end(true);
  std::vector<riskflow::v1::Decision> decisions;
  EXPECT_TRUE(ReadSink(owner.sinks.get(), read, &decisions).ok());
  EXPECT_TRUE(ReadSink(admin.sinks.get(), read, &decisions).ok());
  s = ReadSink(other.sinks.get(), read, &decisions);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TlsAuthTest, ListEntriesRecordTheCertificateNotTheClaim) {
  Clients admin = As("admin");
  riskflow::v1::ListEntry entry;
  entry.set_kind(riskflow::v1::BLOCK);
  entry.set_entity(riskflow::v1::COUNTERPARTY);
  entry.set_value("mule-9");
  entry.set_reason("case 7");
  entry.set_added_by("chief-risk-officer");
  riskflow::v1::ListEntry stored;
  grpc::ClientContext ctx;
  grpc::Status s = admin.admin->PutListEntry(&ctx, entry, &stored);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stored.added_by(), "admin");

  Clients reader = As("reader");
  grpc::ClientContext list_ctx;
  riskflow::v1::GetListEntriesResponse entries;
  ASSERT_TRUE(reader.admin->GetListEntries(&list_ctx, {}, &entries).ok());
  ASSERT_EQ(entries.entries_size(), 1);
  EXPECT_EQ(entries.entries(0).added_by(), "admin");
}

// `riskflow` with the global --tls_* flags: every command connects with
// the certificate given, and a denial says who was denied what.
TEST_F(TlsAuthTest, CliPresentsItsCertificate) {
  auto cli = [&](const std::string& identity, const std::string& command,
                 std::string* out, std::string* err) {
    std::vector<std::string> args = {
        "--target", absl::StrCat("127.0.0.1:", daemon_->port()),
        "--tls_ca", *certs_ + "/ca.pem"};
    if (!identity.empty()) {
      args.insert(args.end(), {"--tls_cert", *certs_ + "/" + identity + ".pem",
                               "--tls_key", *certs_ + "/" + identity + ".key"});
    }
    args.push_back(command);
    args.push_back("--connect_timeout_ms=3000");
    std::ostringstream o, e;
    int code = riskflow::cli::RunCli(args, o, e);
    *out = o.str();
    *err = e.str();
    return code;
  };
  std::string out, err;
  EXPECT_EQ(cli("reader", "health", &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("serving"));
  EXPECT_EQ(cli("ingest-card", "health", &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("PERMISSION_DENIED: identity 'ingest-card' may "
                             "not call Admin.GetHealth: it needs the reader "
                             "or admin role (it has: ingest)"));
  EXPECT_EQ(cli("admin", "plugins", &out, &err), 0) << err;
  // Without a client certificate the handshake fails.
  EXPECT_EQ(cli("", "health", &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("cannot reach riskflowd"));
}

TEST_F(TlsAuthTest, BadPolicyFailsStartNamingLineAndColumn) {
  std::ofstream(*certs_ + "/bad.yaml")
      << "identities:\n  ops:\n    admin: yes\n";
  riskflow::server::DaemonOptions o = Options("127.0.0.1:0");
  o.security.auth_policy_file = *certs_ + "/bad.yaml";
  auto daemon = riskflow::server::Daemon::Start(o);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().message(),
            absl::StrCat("--auth_policy: ", *certs_,
                         "/bad.yaml: identities.ops.admin: expected true or "
                         "false, got 'yes' at line 3, column 12"));
}

// Plaintext on an address other machines can reach is refused before
// anything binds; --allow_insecure accepts it with a warning.
TEST(InsecureListenTest, NonLoopbackPlaintextNeedsAllowInsecure) {
  riskflow::server::DaemonOptions o;
  o.listen_address = "0.0.0.0:0";
  o.transport_only = true;
  auto refused = riskflow::server::Daemon::Start(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("refusing to serve plaintext on 0.0.0.0:0, which is "
                        "not a loopback address"));
  o.security.allow_insecure = true;
  auto allowed = riskflow::server::Daemon::Start(o);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_GT((*allowed)->port(), 0);
  (*allowed)->Shutdown();
}

// The riskflowd binary: its flags reach the daemon, and the refusal is a
// sentence and exit code 1 before anything binds.
TEST_F(TlsAuthTest, RiskflowdFlags) {
  const std::string data_dir = MakeTempDir("riskflow-tls-flags");
  const std::string command = absl::StrCat(
      RiskflowdPath(), " --listen=0.0.0.0:0 --data_dir=", data_dir,
      " 2>&1");
  FILE* p = popen(command.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, p) != nullptr) output += buffer;
  const int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 1) << output;
  EXPECT_THAT(output, HasSubstr("riskflowd: refusing to serve plaintext on "
                                "0.0.0.0:0, which is not a loopback address"));

  auto daemon = DaemonProcess::Start(
      RiskflowdPath(), data_dir,
      {"--tls_cert=" + *certs_ + "/server.pem",
       "--tls_key=" + *certs_ + "/server.key",
       "--tls_client_ca=" + *certs_ + "/ca.pem",
       "--auth_policy=" + *certs_ + "/policy.yaml"});
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  Clients reader(MakeTlsChannel((*daemon)->port(), {*certs_, "reader"}));
  EXPECT_TRUE(Health(reader).ok()) << Health(reader).error_message();
  Clients card(MakeTlsChannel((*daemon)->port(), {*certs_, "ingest-card"}));
  EXPECT_EQ(Health(card).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Clients plain(MakeChannel((*daemon)->port()));
  EXPECT_EQ(Health(plain).error_code(), grpc::StatusCode::UNAVAILABLE);
  absl::StatusOr<int> exit_code = (*daemon)->Terminate();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace riskflow::e2e
