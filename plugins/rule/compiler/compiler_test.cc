// Expressions: parsing, type errors with line and column, the sandbox (no
// names outside fields / aggregates / built-ins), bounds, and evaluation.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/rule/compiler/compile.h"
#include "plugins/rule/compiler/evaluator.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/compiler/test_env.h"

namespace riskflow {
namespace rule {
namespace {

const std::vector<AggregateInfo>& Aggs() {
  static const std::vector<AggregateInfo> kAggs = {
      {"payouts", AggregateKind::kCount, 7LL * 24 * 3600 * 1000},
      {"payout_sum", AggregateKind::kSum, 24LL * 3600 * 1000},
      {"payees", AggregateKind::kDistinct, 24LL * 3600 * 1000},
  };
  return kAggs;
}

// Compiles `text` as a whole; "" on success, else the formatted error.
std::string CompileError_(const std::string& text, Program* out = nullptr) {
  Program p;
  CompileError e;
  SourceText src(text);
  if (CompileExpression(src, 0, text.size(), Aggs(), nullptr,
                        out ? out : &p, &e)) {
    return "";
  }
  return FormatError(src, "rule 'r'", e);
}

EvalResult Eval(const std::string& text, TestEnv& env, int64_t budget = 1000) {
  Program p;
  std::string err = CompileError_(text, &p);
  EXPECT_EQ(err, "") << text;
  Evaluator ev;
  ev.Reserve(p);
  return ev.Run(p, env, &budget);
}

TEST(CompilerTest, TypeErrorNamesLineColumnAndShowsCaret) {
  const std::string text = "type == \"PAYOUT\"\n  && currency > 5";
  EXPECT_EQ(CompileError_(text),
            "rule 'r', line 2, column 15: '>' needs numbers, got string "
            "field 'currency'\n    && currency > 5\n                ^");
}

TEST(CompilerTest, TypeErrors) {
  EXPECT_NE(CompileError_("amount == \"5\"").find(
                "'==' compares values of one type, got number field "
                "'amount' and string \"5\""),
            std::string::npos);
  EXPECT_NE(CompileError_("amount && true").find(
                "column 8: '&&' needs true/false values, got number field "
                "'amount'"),
            std::string::npos);
  EXPECT_NE(CompileError_("!amount").find("'!' needs true/false"),
            std::string::npos);
  EXPECT_NE(CompileError_("contains(amount, \"x\")").find(
                "'contains' needs strings, got number field 'amount'"),
            std::string::npos);
  EXPECT_NE(CompileError_("type == \"PAYOTU\"").find(
                "column 9: unknown event type \"PAYOTU\""),
            std::string::npos);
  EXPECT_NE(CompileError_("type in [\"PAYOUT\", 3]").find(
                "list item is a number"),
            std::string::npos);
  EXPECT_NE(CompileError_("amonut > 5").find("column 1: unknown name 'amonut'"),
            std::string::npos);
  EXPECT_NE(CompileError_("1 < 2 < 3").find("comparisons do not chain"),
            std::string::npos);
  EXPECT_NE(CompileError_("amount = 5").find("use '==' to compare"),
            std::string::npos);
  EXPECT_NE(CompileError_("amount > 1.5").find("decimals are not supported"),
            std::string::npos);
}

TEST(CompilerTest, AggregateCallsAreChecked) {
  EXPECT_EQ(CompileError_("count(payouts, 1h) > 3"), "");
  EXPECT_EQ(CompileError_("sum(payout_sum, 24h) > 3"), "");
  EXPECT_EQ(CompileError_("distinct(payees, 1d) > 3"), "");
  EXPECT_NE(CompileError_("count(payouts, 8d) > 3").find(
                "window 691200000ms is longer than the 604800000ms declared "
                "for aggregate 'payouts'"),
            std::string::npos);
  EXPECT_NE(CompileError_("sum(payouts, 1h) > 3").find(
                "'payouts' is a count aggregate; read it with count"),
            std::string::npos);
  EXPECT_NE(CompileError_("count(payouts, 60) > 3").find(
                "needs a window written as a duration"),
            std::string::npos);
  EXPECT_NE(CompileError_("count(nope, 1h) > 3").find(
                "unknown aggregate 'nope' (declared: payouts, payout_sum, "
                "payees)"),
            std::string::npos);
  EXPECT_NE(CompileError_("payouts > 3").find(
                "'payouts' is an aggregate; read it with count(payouts, 1h)"),
            std::string::npos);
}

// What a Lua or shell rule author might try. Every one is refused at load
// with a message that says why; none can name anything but fields,
// aggregates and the built-ins.
TEST(CompilerTest, SandboxEscapesAreRefusedAtLoad) {
  const struct {
    const char* text;
    const char* message;
  } kCases[] = {
      {"os.execute(\"rm -rf /\")", "'os.execute' is not available"},
      {"io.open(\"/etc/passwd\")", "'io.open' is not available"},
      {"require(\"socket\")", "unknown function 'require'"},
      {"string.rep(\"x\", 1000000000) == \"\"", "'string.rep' is not available"},
      {"loadstring(\"return 1\")()", "unknown function 'loadstring'"},
      {"load(\"x\")", "unknown function 'load'"},
      {"dofile(\"/tmp/x.lua\")", "unknown function 'dofile'"},
      {"while true do end", "'while' is not part of the rule language"},
      {"for i = 1, 10 do end", "'for' is not part of the rule language"},
      {"function f() return f() end", "'function' is not part of the rule"},
      {"big_payout()", "unknown function 'big_payout'"},
      {"repeat until false", "'repeat' is not part of the rule language"},
      {"amount = 1", "'=' is not an operator"},
      {"\"a\" .. \"b\"", "got '.'"},
      {"system(\"ls\")", "unknown function 'system'"},
      {"`ls`", "unexpected character '`'"},
      {"amount > 0; os.exit()", "unexpected character ';'"},
      {"_G[\"os\"]", "unknown name '_G'"},
  };
  for (const auto& c : kCases) {
    const std::string err = CompileError_(c.text);
    EXPECT_NE(err.find(c.message), std::string::npos)
        << c.text << "\n got: " << err;
    EXPECT_NE(err.find("line 1, column"), std::string::npos) << err;
  }
}

TEST(CompilerTest, BoundsAreEnforcedAtLoad) {
  // Too many nodes: 1 + 1 + ... with kMaxNodes terms.
  std::string big = "amount > 0";
  for (size_t i = 0; i < kMaxNodes; ++i) big += " + 1";
  EXPECT_NE(CompileError_(big).find("more than 512 nodes"), std::string::npos);
  // Too deep: parentheses.
  std::string deep(200, '(');
  deep += "1";
  deep += std::string(200, ')');
  EXPECT_NE(CompileError_(deep + " > 0").find("nested deeper than 64"),
            std::string::npos);
  // Unary chains recurse too.
  EXPECT_NE(CompileError_(std::string(5000, '!') + "true").find("nested deeper"),
            std::string::npos);
  // A long string literal.
  EXPECT_NE(CompileError_("counterparty == \"" + std::string(300, 'x') + "\"")
                .find("string literal longer than 256 bytes"),
            std::string::npos);
  // Numbers beyond int64.
  EXPECT_NE(CompileError_("amount > 99999999999999999999").find(
                "does not fit in 64 bits"),
            std::string::npos);
}

TEST(CompilerTest, EvaluatesArithmeticAndShortCircuit) {
  TestEnv env;
  env.SetInt(kFieldAmount, 700);
  env.SetStr(kFieldType, "PAYOUT");
  env.SetStr(kFieldCounterparty, "shell-co-17");
  EXPECT_EQ(Eval("amount * 3 / 2 - 50 % 7 == 1049", env).value.i, 1);
  EXPECT_EQ(Eval("-7 / 2 == -3 && -7 % 2 == -1", env).value.i, 1);
  EXPECT_EQ(Eval("abs(-5) + min(3, 9, 1) + max(2, 8) == 14", env).value.i, 1);
  EXPECT_EQ(Eval("type in [\"PAYMENT\", \"PAYOUT\"]", env).value.i, 1);
  EXPECT_EQ(Eval("amount in [1, 2, 3]", env).value.i, 0);
  EXPECT_EQ(Eval("contains(counterparty, \"shell\") && "
                 "starts_with(counterparty, \"shell-\") && "
                 "ends_with(counterparty, \"17\")",
                 env)
                .value.i,
            1);
  // || short-circuits: the division by zero on the right never runs.
  EXPECT_EQ(Eval("amount > 0 || amount / 0 > 1", env).status, EvalStatus::kOk);
  EXPECT_EQ(Eval("amount < 0 && amount / 0 > 1", env).status, EvalStatus::kOk);
}

TEST(CompilerTest, RuntimeErrorsAreResultsWithTheirLocation) {
  TestEnv env;
  env.SetInt(kFieldAmount, 9000000000000000000);
  EvalResult r = Eval("amount * 2 > 0", env);
  EXPECT_EQ(r.status, EvalStatus::kOverflow);
  EXPECT_EQ(r.failed_offset, 7u);
  EXPECT_EQ(Eval("amount / (amount - amount) > 0", env).status,
            EvalStatus::kDivideByZero);
  EXPECT_EQ(Eval("amount % 0 > 0", env).status, EvalStatus::kDivideByZero);
  EXPECT_EQ(Eval("-9223372036854775807 - 1 < 0", env).status, EvalStatus::kOk);
  EXPECT_EQ(Eval("abs(-9223372036854775807 - 1) > 0", env).status,
            EvalStatus::kOverflow);
  env.fail_aggregates = true;
  EXPECT_EQ(Eval("count(payouts, 1h) > 0", env).status,
            EvalStatus::kHostError);
}

TEST(CompilerTest, StepBudgetStopsEvaluation) {
  TestEnv env;
  env.SetInt(kFieldAmount, 1);
  std::string expr = "amount > 0";
  for (int i = 0; i < 100; ++i) expr += " && amount > 0";
  EXPECT_EQ(Eval(expr, env, 10000).status, EvalStatus::kOk);
  EXPECT_EQ(Eval(expr, env, 50).status, EvalStatus::kBudgetExhausted);
  // Aggregate reads cost more than one step.
  EXPECT_EQ(Eval("count(payouts, 1h) >= 0", env, kAggregateSteps).status,
            EvalStatus::kBudgetExhausted);
  EXPECT_EQ(Eval("count(payouts, 1h) >= 0", env, kAggregateSteps + 2).status,
            EvalStatus::kOk);
}

TEST(CompilerTest, AggregatesAndAttributes) {
  TestEnv env;
  env.aggregates[{0, 3600000}] = 4;
  env.aggregates[{2, 86400000}] = 9;
  env.attributes["mcc"] = "7995";
  EXPECT_EQ(Eval("count(payouts, 1h) > 3 && distinct(payees, 1d) == 9 && "
                 "attr(\"mcc\") == \"7995\" && attr(\"none\") == \"\"",
                 env)
                .value.i,
            1);
}

TEST(CompilerTest, CnyConversionIsExactInteger) {
  CnyRates rates;
  std::string error;
  ASSERT_TRUE(ParseCnyRates("USD:7.1,JPY:0.048213,KWD:23.1", &rates, &error))
      << error;
  int64_t out = 0;
  ASSERT_TRUE(ToCnyMinor(10000, "USD", rates, &out));  // 100.00 USD
  EXPECT_EQ(out, 71000);                                // 710.00 CNY
  ASSERT_TRUE(ToCnyMinor(1000, "JPY", rates, &out));   // 1000 JPY
  EXPECT_EQ(out, 4821);                                 // 48.2130 -> 48.21
  ASSERT_TRUE(ToCnyMinor(1500, "KWD", rates, &out));   // 1.500 KWD
  EXPECT_EQ(out, 3465);                                 // 34.65 CNY
  ASSERT_TRUE(ToCnyMinor(-10000, "USD", rates, &out));
  EXPECT_EQ(out, -71000);
  EXPECT_TRUE(ToCnyMinor(123, "CNY", rates, &out));
  EXPECT_EQ(out, 123);
  EXPECT_FALSE(ToCnyMinor(123, "EUR", rates, &out));
  EXPECT_FALSE(ParseCnyRates("USD:7.1234567", &rates, &error));
  EXPECT_FALSE(ParseCnyRates("usd:7", &rates, &error));
  EXPECT_FALSE(ParseCnyRates("USD:1e3", &rates, &error));
}

}  // namespace
}  // namespace rule
}  // namespace riskflow
