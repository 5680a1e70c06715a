// The rule-set text: aggregates, rules, their keys, errors with line and
// column, reasons with placeholders, and LocateMode for `rules promote`.
#include "plugins/rule/compiler/rule_set.h"

#include <string>

#include "gtest/gtest.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/compiler/mode_edit.h"

namespace riskflow {
namespace rule {
namespace {

constexpr char kGood[] = R"(# payouts per account
aggregate payouts:
  kind: count
  types: [PAYOUT]
  window: 7d

aggregate payout_cny:
  kind: sum
  of: amount_cny
  types: [PAYOUT, TRANSFER]
  window: 24h
  bucket: 1m

aggregate payees:
  kind: distinct
  of: counterparty
  window: 1d

rule big_payout:
  when: type == "PAYOUT" && amount_cny >= 5000000   # 50,000 CNY
        && count(payouts, 1h) > 3
  route: FREEZE
  reason: "{count(payouts, 1h)} payouts in 1h, last {amount_cny} fen to {counterparty}"
  mode: canary
  canary_percent: 10
  score: 0.75

rule many_payees:
  when: distinct(payees, 1d) >= 5
  route: MANUAL_REVIEW
  code: FAN_OUT
  on_error: PASS
  mode: live
)";

std::string Error(const std::string& text) {
  RuleSet set;
  std::string error;
  if (CompileRuleSet(text, &set, &error)) return "";
  return error;
}

TEST(RuleSetTest, CompilesAggregatesAndRules) {
  RuleSet set;
  std::string error;
  ASSERT_TRUE(CompileRuleSet(kGood, &set, &error)) << error;
  ASSERT_EQ(set.aggregates.size(), 3u);
  EXPECT_EQ(set.aggregates[0].name, "payouts");
  EXPECT_EQ(set.aggregates[0].kind, AggregateKind::kCount);
  EXPECT_EQ(set.aggregates[0].types, std::vector<std::string>{"PAYOUT"});
  EXPECT_EQ(set.aggregates[0].window_ms, 7LL * 86400000);
  EXPECT_EQ(set.aggregates[0].bucket_ms, 60000);  // default for long windows
  EXPECT_EQ(set.aggregates[1].of_field, kFieldAmountCny);
  EXPECT_EQ(set.aggregates[1].types.size(), 2u);
  EXPECT_EQ(set.aggregates[2].kind, AggregateKind::kDistinct);
  ASSERT_EQ(set.rules.size(), 2u);
  const RuleDecl& r = set.rules[0];
  EXPECT_EQ(r.name, "big_payout");
  EXPECT_EQ(r.code, "BIG_PAYOUT");
  EXPECT_EQ(r.route, RF_ROUTE_FREEZE);
  EXPECT_EQ(r.mode, Mode::kCanary);
  EXPECT_EQ(r.canary_percent, 10);
  EXPECT_EQ(r.on_error, RF_ROUTE_MANUAL_REVIEW);  // the default
  EXPECT_DOUBLE_EQ(r.score, 0.75);
  EXPECT_EQ(r.line, 19);
  // Placeholder, literal, placeholder, literal, placeholder.
  ASSERT_EQ(r.reason.size(), 5u);
  EXPECT_TRUE(r.reason[0].is_expr);
  EXPECT_EQ(r.reason[1].literal, " payouts in 1h, last ");
  const RuleDecl& m = set.rules[1];
  EXPECT_EQ(m.code, "FAN_OUT");
  EXPECT_EQ(m.on_error, RF_ROUTE_PASS);
  EXPECT_EQ(m.mode, Mode::kLive);
  ASSERT_EQ(m.reason.size(), 1u);
  EXPECT_EQ(m.reason[0].literal, "rule many_payees matched");
}

TEST(RuleSetTest, ModeDefaultsToShadow) {
  RuleSet set;
  std::string error;
  ASSERT_TRUE(CompileRuleSet("rule r:\n  when: amount > 0\n  route: NOTIFY\n",
                             &set, &error))
      << error;
  EXPECT_EQ(set.rules[0].mode, Mode::kShadow);
}

TEST(RuleSetTest, ErrorsNameTheRuleLineAndColumn) {
  // The type error in a continuation line: line 3 of the text.
  EXPECT_EQ(Error("rule big_payout:\n"
                  "  when: type == \"PAYOUT\"\n"
                  "        && currency > 5\n"
                  "  route: FREEZE\n"),
            "rule 'big_payout', line 3, column 21: '>' needs numbers, got "
            "string field 'currency'\n"
            "          && currency > 5\n"
            "                      ^");
  EXPECT_NE(Error("rule r:\n  when: amount > 0\n").find(
                "rule 'r', line 1, column 1: rule needs `route:`"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  wen: amount > 0\n").find(
                "line 2, column 3: unknown key 'wen' in a rule"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  when: amount > 0\n  route: PASS\n")
                .find("line 3, column 10: route must be FREEZE, NOTIFY or "
                      "MANUAL_REVIEW"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  when: amount > 0\n  route: FREEZE\n  mode: "
                  "canary\n")
                .find("a canary rule needs `canary_percent:`"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  when: amount > 0\n  route: FREEZE\n"
                  "  reason: \"{amount / }\"\n")
                .find("line 4, column 22"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  when: amount\n  route: FREEZE\n")
                .find("line 2, column 9: expected a true/false expression, "
                      "got number field 'amount'"),
            std::string::npos);
  EXPECT_NE(Error("aggregate a:\n  kind: sum\n  of: currency\n  window: 1h\n"
                  "rule r:\n  when: sum(a, 1h) > 0\n  route: FREEZE\n")
                .find("aggregate 'a', line 3, column 7: sum needs a number "
                      "field, got string field 'currency'"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  when: amount > 0\n  route: FREEZE\n"
                  "aggregate a:\n  kind: count\n  window: 1h\n")
                .find("declare aggregates before the first rule"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  when: amount > 0\n  route: FREEZE\n"
                  "rule r:\n  when: amount > 0\n  route: FREEZE\n")
                .find("rule 'r' declared twice"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n\twhen: amount > 0\n").find("tab character"),
            std::string::npos);
  EXPECT_NE(Error("rule r:\n  route: FREEZE\n    when: amount > 0\n")
                .find("only `when` may continue"),
            std::string::npos);
  EXPECT_NE(Error("# nothing\n").find("declares no rule"), std::string::npos);
}

TEST(RuleSetTest, OneLineErrorsMarkTheTokenInline) {
  RuleSet set;
  std::string error;
  ASSERT_FALSE(CompileRuleSet("rule big_payout:\n"
                              "  when: type == \"PAYOUT\"\n"
                              "        && currency > 5\n"
                              "  route: FREEZE\n",
                              &set, &error, /*one_line=*/true));
  EXPECT_EQ(error,
            "rule 'big_payout', line 3, column 21: '>' needs numbers, got "
            "string field 'currency' (at: `&& currency ^> 5`)");
}

TEST(RuleSetTest, BoundsOnTheWholeSet) {
  std::string many;
  for (size_t i = 0; i <= kMaxRules; ++i) {
    many += "rule r" + std::to_string(i) +
            ":\n  when: amount > 0\n  route: NOTIFY\n";
  }
  EXPECT_NE(Error(many).find("more than 16 rules"), std::string::npos);
  std::string aggs;
  for (size_t i = 0; i <= kMaxAggregates; ++i) {
    aggs += "aggregate a" + std::to_string(i) +
            ":\n  kind: count\n  window: 1h\n";
  }
  EXPECT_NE(Error(aggs).find("more than 16 aggregates"), std::string::npos);
  EXPECT_NE(Error(std::string(kMaxRuleSetBytes + 1, '#'))
                .find("above the limit of 65536"),
            std::string::npos);
  std::string placeholders = "rule r:\n  when: amount > 0\n  route: NOTIFY\n"
                             "  reason: \"";
  for (size_t i = 0; i <= kMaxReasonPlaceholders; ++i) placeholders += "{amount}";
  placeholders += "\"\n";
  EXPECT_NE(Error(placeholders).find("more than 16 placeholders"),
            std::string::npos);
}

TEST(RuleSetTest, ReasonLiteralsBracesAndStringsInPlaceholders) {
  RuleSet set;
  std::string error;
  ASSERT_TRUE(CompileRuleSet(
      "rule r:\n  when: amount > 0\n  route: NOTIFY\n"
      "  reason: \"{{literal}} {attr(\"mcc\")} \\\"q\\\" {contains(ip, \"}\")}\"\n",
      &set, &error))
      << error;
  const auto& parts = set.rules[0].reason;
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].literal, "{literal} ");
  EXPECT_TRUE(parts[1].is_expr);
  EXPECT_EQ(parts[2].literal, " \"q\" ");
  EXPECT_TRUE(parts[3].is_expr);
  // Unquoted reasons run to the end of the line.
  ASSERT_TRUE(CompileRuleSet(
      "rule r:\n  when: amount > 0\n  route: NOTIFY\n  reason: big: {amount}\n",
      &set, &error))
      << error;
  EXPECT_EQ(set.rules[0].reason[0].literal, "big: ");
}

TEST(RuleSetTest, LocateModeFindsOrPlacesTheModeLine) {
  ModeEdit e = LocateMode(kGood, "big_payout");
  ASSERT_TRUE(e.found_rule);
  EXPECT_TRUE(e.has_mode);
  EXPECT_EQ(e.mode_line, 23);  // 0-based: "  mode: canary"
  EXPECT_TRUE(e.has_percent);
  EXPECT_EQ(e.percent_line, 24);
  EXPECT_EQ(e.indent, 2);
  e = LocateMode("rule a:\n  when: amount > 0\n  route: NOTIFY\n\nrule b:\n"
                 "    when: amount > 1\n      && amount > 2\n    route: NOTIFY\n",
                 "b");
  ASSERT_TRUE(e.found_rule);
  EXPECT_FALSE(e.has_mode);
  EXPECT_EQ(e.insert_after, 7);
  EXPECT_EQ(e.indent, 4);
  EXPECT_FALSE(LocateMode(kGood, "nope").found_rule);
}

}  // namespace
}  // namespace rule
}  // namespace riskflow
