#include "pipeline/server/auth/authorizer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/server/auth/policy_yaml.h"

namespace riskflow::server::auth {
namespace {

using ::testing::HasSubstr;

Authorizer Enforcing() {
  absl::StatusOr<Policy> policy = ParsePolicyYaml(R"(
identities:
  ingest-card: {ingest: [card]}
  consumer-freeze:
    consumer: [{sink: FREEZE, name: freeze-service}]
  admin: {admin: true}
  reader: {reader: true}
)");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return Authorizer(*std::move(policy));
}

constexpr Rpc kAll[] = {
    Rpc::kPublish,        Rpc::kEvaluate,       Rpc::kSubscribe,
    Rpc::kCommitCursor,   Rpc::kGetHealth,      Rpc::kGetPipeline,
    Rpc::kListPlugins,    Rpc::kGetListEntries, Rpc::kGetShadowReport,
    Rpc::kReloadPipeline, Rpc::kPutListEntry,   Rpc::kDeleteListEntry,
    Rpc::kClearQuarantine};

// Which of kAll each identity may call (role check only).
std::string Allowed(const Authorizer& a, const Principal& p) {
  std::string out;
  for (Rpc rpc : kAll) {
    if (a.Check(p, rpc).ok()) out += std::string(RpcName(rpc)) + " ";
  }
  return out;
}

TEST(AuthorizerTest, WithoutPolicyEverythingIsAllowed) {
  Authorizer a;
  EXPECT_FALSE(a.enforcing());
  Principal local = a.Resolve("local", false);
  EXPECT_TRUE(local.unrestricted);
  for (Rpc rpc : kAll) EXPECT_TRUE(a.Check(local, rpc).ok()) << RpcName(rpc);
  EXPECT_TRUE(a.CheckChannel(local, "anything").ok());
  EXPECT_TRUE(
      a.CheckConsumer(local, Rpc::kCommitCursor, riskflow::v1::FREEZE, "x")
          .ok());
}

TEST(AuthorizerTest, RoleTable) {
  Authorizer a = Enforcing();
  EXPECT_EQ(Allowed(a, a.Resolve("ingest-card", true)),
            "Ingest.Publish Ingest.Evaluate ");
  EXPECT_EQ(Allowed(a, a.Resolve("consumer-freeze", true)),
            "Sinks.Subscribe Sinks.CommitCursor ");
  EXPECT_EQ(Allowed(a, a.Resolve("reader", true)),
            "Admin.GetHealth Admin.GetPipeline Admin.ListPlugins "
            "Admin.GetListEntries ");
  EXPECT_EQ(Allowed(a, a.Resolve("admin", true)),
            "Sinks.Subscribe Admin.GetHealth Admin.GetPipeline "
            "Admin.ListPlugins Admin.GetListEntries Admin.GetShadowReport "
            "Admin.ReloadPipeline Admin.PutListEntry Admin.DeleteListEntry "
            "Admin.ClearQuarantine ");
  EXPECT_EQ(Allowed(a, a.Resolve("stranger", true)), "");
  // A name in the policy is not enough without a verified certificate.
  EXPECT_EQ(Allowed(a, a.Resolve("admin", false)), "");
}

TEST(AuthorizerTest, DenialNamesIdentityRoleAndRpc) {
  Authorizer a = Enforcing();
  absl::Status s = a.Check(a.Resolve("ingest-card", true), Rpc::kReloadPipeline);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "identity 'ingest-card' may not call Admin.ReloadPipeline: it "
            "needs the admin role (it has: ingest)");
  s = a.Check(a.Resolve("stranger", true), Rpc::kGetHealth);
  EXPECT_EQ(s.message(),
            "identity 'stranger' may not call Admin.GetHealth: it needs the "
            "reader or admin role (the policy does not name it)");
}

TEST(AuthorizerTest, IngestPublishesOnlyItsChannels) {
  Authorizer a = Enforcing();
  Principal card = a.Resolve("ingest-card", true);
  EXPECT_TRUE(a.CheckChannel(card, "card").ok());
  absl::Status s = a.CheckChannel(card, "wallet");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "identity 'ingest-card' may not publish channel_id 'wallet' (its "
            "channels: card); the event was not logged");
  EXPECT_FALSE(a.CheckChannel(card, "").ok());
  EXPECT_THAT(
      std::string(a.CheckChannel(a.Resolve("admin", true), "card").message()),
      HasSubstr("it has no ingest role"));
}

TEST(AuthorizerTest, OnlyTheOwnerMovesACursor) {
  Authorizer a = Enforcing();
  Principal owner = a.Resolve("consumer-freeze", true);
  Principal admin = a.Resolve("admin", true);
  EXPECT_TRUE(a.CheckConsumer(owner, Rpc::kCommitCursor, riskflow::v1::FREEZE,
                              "freeze-service")
                  .ok());
  absl::Status other = a.CheckConsumer(owner, Rpc::kCommitCursor,
                                       riskflow::v1::FREEZE, "case-queue");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other.message(),
            "identity 'consumer-freeze' may not call Sinks.CommitCursor: it "
            "needs the consumer role for consumer 'case-queue' of FREEZE (it "
            "owns FREEZE: freeze-service)");
  EXPECT_FALSE(a.CheckConsumer(owner, Rpc::kCommitCursor,
                               riskflow::v1::NOTIFY, "freeze-service")
                   .ok());
  EXPECT_FALSE(a.CheckConsumer(owner, Rpc::kSubscribe, riskflow::v1::NOTIFY, "")
                   .ok());
  EXPECT_TRUE(
      a.CheckConsumer(owner, Rpc::kSubscribe, riskflow::v1::FREEZE, "").ok());
  // Admin reads any sink, from anyone's cursor, but never moves one.
  EXPECT_TRUE(a.CheckConsumer(admin, Rpc::kSubscribe, riskflow::v1::NOTIFY,
                              "notifier")
                  .ok());
  EXPECT_FALSE(a.CheckConsumer(admin, Rpc::kCommitCursor,
                               riskflow::v1::FREEZE, "freeze-service")
                   .ok());
  EXPECT_FALSE(a.CheckConsumer(a.Resolve("reader", true), Rpc::kSubscribe,
                               riskflow::v1::FREEZE, "")
                   .ok());
}

}  // namespace
}  // namespace riskflow::server::auth
