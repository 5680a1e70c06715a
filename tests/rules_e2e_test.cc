// Scripted rules through the real riskflowd: a `rule` detector in the
// pipeline decides published events with its substituted reason; a shadow
// rule's finding is in the decision but routes nothing; `riskflow rules
// promote` (the CLI, against the daemon over gRPC) edits the pipeline file,
// the daemon switches, and the same rule now routes. Plugins are the built
// .so files loaded by riskflowd.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/temp_dir.h"
#include "tests/test_daemon.h"
#include "tools/riskflow/cli.h"

namespace riskflow::e2e {
namespace {

// Holds off: the test follows one account's rule across FREEZEs, and a
// hold would answer ACCOUNT_HELD after the first (docs/account-holds.md).
constexpr char kPipeline[] = R"(name: rules_e2e
shards: 2
account_holds: false
detectors:
  - name: payout_rules
    plugin: rule
    params:
      key: account
      rules: |
        aggregate payouts:
          kind: count
          types: [PAYOUT]
          window: 1d

        # Shadow first: decides and records, routes nothing.
        rule burst:
          when: type == "PAYOUT" && count(payouts, 1h) > 2
          route: FREEZE
          reason: "{count(payouts, 1h)} payouts in 1h, the last to {counterparty}"
          mode: shadow

        rule huge:
          when: type == "PAYOUT" && amount >= 100000000
          route: MANUAL_REVIEW
          reason: "payout of {amount} {currency}"
          mode: live
)";

const riskflow::v1::Annotation* RuleAnnotation(
    const riskflow::v1::Decision& d, const std::string& rule) {
  for (const auto& a : d.annotations()) {
    if (a.detector() != "payout_rules") continue;
    for (const auto& e : a.evidence()) {
      if (e.key() == "rule" && e.value() == rule) return &a;
    }
  }
  return nullptr;
}

std::string Evidence(const riskflow::v1::Annotation& a, const std::string& k) {
  for (const auto& e : a.evidence()) {
    if (e.key() == k) return e.value();
  }
  return "";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RulesE2eTest, ShadowDecidesWithoutRoutingThenPromoteMakesItRoute) {
  const std::string dir = MakeTempDir("rules_e2e");
  ASSERT_FALSE(dir.empty());
  const std::string file = dir + "/pipeline.yaml";
  {
    std::ofstream out(file);
    out << kPipeline;
  }
  TestDaemonOptions options;
  options.pipeline_yaml = kPipeline;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;
  const std::string target = absl::StrCat("--target=127.0.0.1:", d.port());

  // `riskflow plugins` and `riskflow rules list` name the rules and modes.
  std::ostringstream out, err;
  ASSERT_EQ(cli::RunCli({target, "plugins"}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("rule burst: shadow, route FREEZE"),
            std::string::npos)
      << out.str();
  out.str("");
  ASSERT_EQ(cli::RunCli({target, "rules", "list"}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("payout_rules/burst"), std::string::npos);

  // Three payouts within the hour: the third matches the shadow rule.
  riskflow::v1::EvaluateResponse r;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(d.Evaluate(Payout(absl::StrCat("p", i), "acct-1",
                                  absl::StrCat("bene-", i), 5000, "CNY",
                                  kT0 + i * 1000),
                           &r)
                    .ok());
  }
  const riskflow::v1::Annotation* shadow = RuleAnnotation(r.decision(), "burst");
  ASSERT_NE(shadow, nullptr) << r.decision().DebugString();
  EXPECT_EQ(shadow->message(), "3 payouts in 1h, the last to bene-3");
  EXPECT_EQ(Evidence(*shadow, "mode"), "shadow");
  EXPECT_EQ(Evidence(*shadow, "would_route"), "FREEZE");
  EXPECT_EQ(r.decision().route(), riskflow::v1::PASS);

  // The live rule routes, with its reason.
  ASSERT_TRUE(d.Evaluate(Payout("big", "acct-2", "bene-x", 100000000, "CNY",
                                kT0 + 5000),
                         &r)
                  .ok());
  const riskflow::v1::Annotation* huge = RuleAnnotation(r.decision(), "huge");
  ASSERT_NE(huge, nullptr);
  EXPECT_EQ(huge->message(), "payout of 100000000 CNY");
  EXPECT_EQ(r.decision().route(), riskflow::v1::MANUAL_REVIEW);

  auto before = d.Pipeline();
  ASSERT_TRUE(before.ok());

  // A file that is not what the daemon runs is refused, nothing changes.
  const std::string other = dir + "/other.yaml";
  {
    std::ofstream o(other);
    std::string text = kPipeline;
    text.replace(text.find("amount >= 100000000"), 19, "amount >= 100000001");
    o << text;
  }
  err.str("");
  EXPECT_EQ(cli::RunCli({target, "rules", "promote", "payout_rules/burst",
                         "--to", "live", "--file", other},
                        out, err),
            1);
  EXPECT_NE(err.str().find("is not the pipeline riskflowd runs"),
            std::string::npos)
      << err.str();

  // Promote through the CLI: file edited, daemon switched.
  out.str("");
  err.str("");
  ASSERT_EQ(cli::RunCli({target, "rules", "promote", "payout_rules/burst",
                         "--to", "live", "--file", file},
                        out, err),
            0)
      << err.str();
  EXPECT_NE(out.str().find("promoted payout_rules/burst shadow -> live"),
            std::string::npos)
      << out.str();
  const std::string edited = ReadAll(file);
  EXPECT_NE(edited.find("          mode: live\n\n        rule huge:"),
            std::string::npos)
      << edited;
  EXPECT_NE(edited.find("# Shadow first"), std::string::npos);  // kept
  auto after = d.Pipeline();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->version_hash(), before->version_hash());
  EXPECT_NE(after->source().find("riskflow rules promote payout_rules/burst "
                                 "shadow -> live"),
            std::string::npos)
      << after->source();

  // The promotion is in riskflowd's hash-chained Admin audit log: a dry run
  // and the reload itself, both naming the promotion (docs/audit-log.md).
  {
    grpc::ClientContext ctx;
    riskflow::v1::ListAuditEntriesRequest request;
    request.set_limit(1000);
    riskflow::v1::ListAuditEntriesResponse audit;
    ASSERT_TRUE(d.admin()->ListAuditEntries(&ctx, request, &audit).ok());
    int promotions = 0;
    for (const auto& entry : audit.entries()) {
      if (entry.action() == "admin.reload_pipeline" &&
          entry.detail().find("riskflow rules promote payout_rules/burst "
                              "shadow -> live") != std::string::npos) {
        ++promotions;
      }
    }
    EXPECT_EQ(promotions, 2) << audit.DebugString();  // dry run + reload
  }

  // The fourth payout: the same rule now routes FREEZE (state carried over).
  ASSERT_TRUE(d.Evaluate(Payout("p4", "acct-1", "bene-4", 5000, "CNY",
                                kT0 + 4000),
                         &r)
                  .ok());
  const riskflow::v1::Annotation* live = RuleAnnotation(r.decision(), "burst");
  ASSERT_NE(live, nullptr) << r.decision().DebugString();
  EXPECT_EQ(live->message(), "4 payouts in 1h, the last to bene-4");
  EXPECT_EQ(Evidence(*live, "mode"), "live");
  EXPECT_EQ(r.decision().route(), riskflow::v1::FREEZE);

  // Published (not evaluated inline): the FREEZE sink gets the decision
  // with the rule's reason.
  ASSERT_TRUE(d.PublishOne(1, {Payout("p5", "acct-1", "bene-5", 5000, "CNY",
                                      kT0 + 4500)})
                  .ok());
  ASSERT_TRUE(d.WaitProcessed().ok());
  auto frozen = d.ReadSink(riskflow::v1::FREEZE);
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  bool found = false;
  for (const auto& decision : *frozen) {
    if (decision.event_id() != "p5") continue;
    const riskflow::v1::Annotation* a = RuleAnnotation(decision, "burst");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->message(), "5 payouts in 1h, the last to bene-5");
    found = true;
  }
  EXPECT_TRUE(found);

  // Promoting again to the same mode changes nothing.
  out.str("");
  ASSERT_EQ(cli::RunCli({target, "rules", "promote", "payout_rules/burst",
                         "--to", "live", "--file", file},
                        out, err),
            0)
      << err.str();
  EXPECT_NE(out.str().find("already live; nothing changed"), std::string::npos)
      << out.str();

  // A rule with a type error is refused at reload, with its line and
  // column; the running version stays.
  {
    std::string bad = edited;
    bad.replace(bad.find("amount >= 100000000"), 19, "currency > 100000000");
    grpc::ClientContext ctx;
    riskflow::v1::ReloadPipelineRequest request;
    request.set_yaml(bad);
    riskflow::v1::ReloadPipelineResponse response;
    grpc::Status s = d.admin()->ReloadPipeline(&ctx, request, &response);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error_message().find(
                  "rule 'huge', line 14, column 38: '>' needs numbers, got "
                  "string field 'currency'"),
              std::string::npos)
        << s.error_message();
    auto still = d.Pipeline();
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->version_hash(), after->version_hash());
  }

  out.str("");
  EXPECT_EQ(cli::RunCli({target, "rules", "show", "payout_rules/burst"}, out,
                        err),
            0);
  EXPECT_NE(out.str().find("payout_rules/burst: live, route FREEZE"),
            std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace riskflow::e2e
