// `riskflow rules` without a daemon: listing the rules of a pipeline and
// the in-place promote edit (comments kept, only the mode line changes,
// refused when the rules are not a literal block).
#include "tools/riskflow/rules_edit.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "pipeline/config/pipeline_yaml.h"

namespace riskflow::cli {
namespace {

constexpr char kPipeline[] = R"(name: t
detectors:
  - name: velocity_burst
    plugin: velocity
    route: FREEZE
  - name: payout_rules   # rules here
    plugin: rule
    params:
      key: account
      rules: |
        aggregate payouts:
          kind: count
          window: 1d

        rule big:
          when: amount > 100
                && count(payouts, 1h) > 2   # continuation
          route: FREEZE
          mode: shadow
          reason: "{amount}"

        rule other:
          when: amount > 5
          route: NOTIFY
)";

TEST(RulesEditTest, ListsRulesWithModes) {
  auto config = config::ParsePipelineYaml(kPipeline);
  ASSERT_TRUE(config.ok()) << config.status();
  auto rows = ListRules(*config);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].detector, "payout_rules");
  EXPECT_EQ((*rows)[0].rule, "big");
  EXPECT_EQ((*rows)[0].mode, rule::Mode::kShadow);
  EXPECT_EQ((*rows)[1].rule, "other");
  EXPECT_EQ((*rows)[1].route, RF_ROUTE_NOTIFY);
}

TEST(RulesEditTest, PromoteEditsOnlyTheModeLine) {
  auto r = PromoteInYaml(kPipeline, {"payout_rules", "big", rule::Mode::kLive});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from, rule::Mode::kShadow);
  EXPECT_EQ(r->yaml, absl::StrReplaceAll(kPipeline, {{"mode: shadow", "mode: live"}}));
}

TEST(RulesEditTest, PromoteInsertsModeAndCanaryPercent) {
  auto r = PromoteInYaml(kPipeline,
                         {"payout_rules", "other", rule::Mode::kCanary, 15});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->yaml.find("          route: NOTIFY\n          mode: canary\n"
                         "          canary_percent: 15\n"),
            std::string::npos)
      << r->yaml;
  auto rows = ListRules(r->after);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[1].mode, rule::Mode::kCanary);
  EXPECT_EQ((*rows)[1].canary_percent, 15);
  // Then from canary to live: the percent line stays (ignored by live).
  auto live = PromoteInYaml(r->yaml, {"payout_rules", "other", rule::Mode::kLive});
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->from, rule::Mode::kCanary);
  EXPECT_EQ(live->from_percent, 15);
  EXPECT_NE(live->yaml.find("mode: live\n          canary_percent: 15"),
            std::string::npos);
}

TEST(RulesEditTest, PromoteRefusals) {
  EXPECT_EQ(PromoteInYaml(kPipeline, {"payout_rules", "nope", rule::Mode::kLive})
                .status()
                .message(),
            "detector 'payout_rules' has no rule 'nope'");
  EXPECT_NE(PromoteInYaml(kPipeline, {"velocity_burst", "x", rule::Mode::kLive})
                .status()
                .message()
                .find("runs plugin 'velocity', not 'rule'"),
            std::string::npos);
  EXPECT_NE(PromoteInYaml(kPipeline, {"payout_rules", "big", rule::Mode::kCanary})
                .status()
                .message()
                .find("needs --percent"),
            std::string::npos);
  EXPECT_NE(PromoteInYaml(kPipeline,
                          {"payout_rules", "big", rule::Mode::kLive, 5})
                .status()
                .message()
                .find("--percent applies to --to canary only"),
            std::string::npos);
  // Rules as a quoted string: not edited.
  const std::string quoted =
      "name: t\ndetectors:\n  - name: r\n    plugin: rule\n    params:\n"
      "      rules: \"rule a:\\n  when: amount > 0\\n  route: FREEZE\\n\"\n";
  ASSERT_TRUE(config::ParsePipelineYaml(quoted).ok());
  EXPECT_NE(PromoteInYaml(quoted, {"r", "a", rule::Mode::kLive})
                .status()
                .message()
                .find("not a literal block"),
            std::string::npos);
}

TEST(RulesEditTest, RuleTextAndNames) {
  auto config = config::ParsePipelineYaml(kPipeline);
  ASSERT_TRUE(config.ok());
  auto text = RuleText(config->detectors(1).params().at("rules"), "other");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "rule other:\n  when: amount > 5\n  route: NOTIFY\n");
  std::string d, r;
  EXPECT_TRUE(SplitRuleName("a/b", &d, &r).ok());
  EXPECT_EQ(d + "|" + r, "a|b");
  EXPECT_FALSE(SplitRuleName("a", &d, &r).ok());
  EXPECT_FALSE(SplitRuleName("a/b/c", &d, &r).ok());
}

}  // namespace
}  // namespace riskflow::cli
