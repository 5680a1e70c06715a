// Fuzz-style: random well-typed expressions are compiled and evaluated and
// must agree with a direct reference interpreter (exact 128-bit
// arithmetic, so every overflow and division by zero is known); random
// byte strings must be refused with a located error or compile, never
// crash. Seeds are fixed, so a failure reproduces.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/rule/compiler/compile.h"
#include "plugins/rule/compiler/evaluator.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/test_env.h"

namespace riskflow {
namespace rule {
namespace {

constexpr __int128 kMin = INT64_MIN;
constexpr __int128 kMax = INT64_MAX;

struct Ref {
  std::string text;
  bool error = false;  // overflow or division by zero on the evaluated path
  __int128 i = 0;
  std::string s;
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  Ref Int(int depth) {
    if (depth <= 0 || Pick(4) == 0) return IntLeaf();
    Ref a = Int(depth - 1);
    switch (Pick(9)) {
      case 0: return Arith("+", a, Int(depth - 1));
      case 1: return Arith("-", a, Int(depth - 1));
      case 2: return Arith("*", a, Int(depth - 1));
      case 3: return Arith("/", a, Int(depth - 1));
      case 4: return Arith("%", a, Int(depth - 1));
      case 5: {
        Ref r{"(-" + a.text + ")", a.error, -a.i, ""};
        r.error = r.error || r.i > kMax;
        return r;
      }
      case 6: {
        Ref r{"abs(" + a.text + ")", a.error, a.i < 0 ? -a.i : a.i, ""};
        r.error = r.error || r.i > kMax;
        return r;
      }
      case 7: {
        Ref b = Int(depth - 1);
        return Ref{"min(" + a.text + ", " + b.text + ")", a.error || b.error,
                   a.i < b.i ? a.i : b.i, ""};
      }
      default: {
        Ref b = Int(depth - 1);
        return Ref{"max(" + a.text + ", " + b.text + ")", a.error || b.error,
                   a.i > b.i ? a.i : b.i, ""};
      }
    }
  }

  Ref Bool(int depth) {
    if (depth <= 0 || Pick(5) == 0) {
      const bool v = Pick(2);
      return Ref{v ? "true" : "false", false, v, ""};
    }
    switch (Pick(8)) {
      case 0: case 1: {
        Ref a = Int(depth - 1), b = Int(depth - 1);
        static const char* const kOps[] = {"==", "!=", "<", "<=", ">", ">="};
        const int op = Pick(6);
        bool v = op == 0 ? a.i == b.i : op == 1 ? a.i != b.i
               : op == 2 ? a.i < b.i : op == 3 ? a.i <= b.i
               : op == 4 ? a.i > b.i : a.i >= b.i;
        return Ref{"(" + a.text + " " + kOps[op] + " " + b.text + ")",
                   a.error || b.error, v, ""};
      }
      case 2: {
        Ref a = Str(), b = Str();
        const bool eq = Pick(2);
        return Ref{"(" + a.text + (eq ? " == " : " != ") + b.text + ")", false,
                   eq ? a.s == b.s : a.s != b.s, ""};
      }
      case 3: {
        Ref a = Str();
        static const char* const kFns[] = {"contains", "starts_with",
                                           "ends_with"};
        Ref b = Str();
        const int f = Pick(3);
        bool v = f == 0 ? a.s.find(b.s) != std::string::npos
               : f == 1 ? a.s.compare(0, b.s.size(), b.s) == 0
               : a.s.size() >= b.s.size() &&
                     a.s.compare(a.s.size() - b.s.size(), b.s.size(), b.s) == 0;
        return Ref{std::string(kFns[f]) + "(" + a.text + ", " + b.text + ")",
                   false, v, ""};
      }
      case 4: {
        Ref a = Int(depth - 1);
        std::string list = "[";
        bool found = false;
        const int n = 1 + Pick(4);
        for (int k = 0; k < n; ++k) {
          // a's value as an item only when it is one (no error, in range).
          const bool usable = !a.error && a.i <= kMax && a.i > kMin;
          const int64_t item =
              usable && Pick(2) ? static_cast<int64_t>(a.i) : Pick(100) - 50;
          list += (k ? ", " : "") + std::to_string(item);
          found = found || item == a.i;
        }
        list += "]";
        if (a.i > kMax || a.i < kMin) a.error = true;
        return Ref{"(" + a.text + " in " + list + ")", a.error, found, ""};
      }
      case 5: {
        Ref a = Bool(depth - 1);
        return Ref{"(!" + a.text + ")", a.error, !a.i, ""};
      }
      default: {
        Ref a = Bool(depth - 1), b = Bool(depth - 1);
        const bool is_and = Pick(2);
        Ref r;
        r.text = "(" + a.text + (is_and ? " && " : " || ") + b.text + ")";
        if (a.error) {
          r.error = true;
        } else if (is_and ? !a.i : a.i) {
          r.i = a.i;  // short-circuit: b is never evaluated
        } else {
          r.error = b.error;
          r.i = b.i;
        }
        return r;
      }
    }
  }

  // Field values are fixed; see Env().
  Ref Str() {
    switch (Pick(5)) {
      case 0: return Ref{"currency", false, 0, "CNY"};
      case 1: return Ref{"counterparty", false, 0, "shell-co-17"};
      case 2: return Ref{"attr(\"mcc\")", false, 0, "7995"};
      case 3: return Ref{"attr(\"none\")", false, 0, ""};
      default: {
        static const char* const kLits[] = {"", "CNY", "shell", "17", "co",
                                            "7995", "x"};
        std::string s = kLits[Pick(7)];
        return Ref{"\"" + s + "\"", false, 0, s};
      }
    }
  }

 private:
  Ref IntLeaf() {
    switch (Pick(6)) {
      case 0: return Ref{"amount", false, 123456, ""};
      case 1: return Ref{"count(payouts, 1h)", false, 4, ""};
      case 2: return Ref{"event_time", false, 1767225600000, ""};
      case 3: return Ref{"9223372036854775807", false, kMax, ""};
      default: {
        const int64_t v = Pick(21) - 10;
        if (v < 0) return Ref{"(" + std::to_string(v) + ")", false, v, ""};
        return Ref{std::to_string(v), false, v, ""};
      }
    }
  }

  static Ref Arith(const char* op, const Ref& a, const Ref& b) {
    Ref r;
    r.text = "(" + a.text + " " + op + " " + b.text + ")";
    r.error = a.error || b.error;
    if (r.error) return r;
    switch (op[0]) {
      case '+': r.i = a.i + b.i; break;
      case '-': r.i = a.i - b.i; break;
      case '*': r.i = a.i * b.i; break;
      default:
        if (b.i == 0) {
          r.error = true;
          return r;
        }
        // C++ truncation, as the evaluator does.
        r.i = op[0] == '/' ? a.i / b.i : a.i % b.i;
    }
    r.error = r.i > kMax || r.i < kMin;
    return r;
  }

  std::mt19937_64 rng_;
};

const std::vector<AggregateInfo> kAggs = {
    {"payouts", AggregateKind::kCount, 86400000}};

void Env(TestEnv* env) {
  env->SetInt(kFieldAmount, 123456);
  env->SetInt(kFieldEventTime, 1767225600000);
  env->SetStr(kFieldCurrency, "CNY");
  env->SetStr(kFieldCounterparty, "shell-co-17");
  env->attributes["mcc"] = "7995";
  env->aggregates[{0, 3600000}] = 4;
}

TEST(RandomExpressionTest, CompiledProgramsAgreeWithTheReference) {
  Gen gen(20261203);
  TestEnv env;
  Env(&env);
  Evaluator ev;
  int errors = 0, trues = 0;
  for (int n = 0; n < 5000; ++n) {
    const Ref ref = gen.Bool(5);
    Program p;
    CompileError e;
    SourceText src(ref.text);
    const Type want = Type::kBool;
    ASSERT_TRUE(CompileExpression(src, 0, ref.text.size(), kAggs, &want, &p, &e))
        << ref.text << "\n" << FormatError(src, "", e);
    ev.Reserve(p);
    int64_t budget = 1000000;
    const EvalResult r = ev.Run(p, env, &budget);
    ASSERT_EQ(r.status != EvalStatus::kOk, ref.error)
        << ref.text << " -> " << EvalStatusText(r.status);
    if (!ref.error) {
      ASSERT_EQ(r.value.i, static_cast<int64_t>(ref.i)) << ref.text;
      trues += r.value.i != 0;
    } else {
      ++errors;
    }
  }
  // The generator must exercise both outcomes and the error paths.
  EXPECT_GT(errors, 100);
  EXPECT_GT(trues, 500);
}

TEST(RandomExpressionTest, RandomBytesNeverCrashAndErrorsAreLocated) {
  std::mt19937_64 rng(7);
  const std::string alphabet =
      "amount count( payouts , 1h ) > < = ! & | + - * / % \" [ ] . os io "
      "while 9 0 _ x in true false \n\t#\\{}";
  TestEnv env;
  Env(&env);
  Evaluator ev;
  int compiled = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    const int len = static_cast<int>(rng() % 40);
    for (int k = 0; k < len; ++k) {
      text += rng() % 10 == 0 ? static_cast<char>(rng() % 256)
                              : alphabet[rng() % alphabet.size()];
    }
    Program p;
    CompileError e;
    SourceText src(text);
    if (CompileExpression(src, 0, text.size(), kAggs, nullptr, &p, &e)) {
      ++compiled;
      ev.Reserve(p);
      int64_t budget = 100000;
      ev.Run(p, env, &budget);
      continue;
    }
    ASSERT_FALSE(e.message.empty()) << text;
    ASSERT_GE(e.where.line, 1);
    ASSERT_LE(e.where.offset, text.size());
    const std::string formatted = FormatError(src, "rule 'r'", e);
    ASSERT_NE(formatted.find("column"), std::string::npos);
    ASSERT_LT(formatted.size(), 1024u);
  }
  EXPECT_GT(compiled, 0);
}

}  // namespace
}  // namespace rule
}  // namespace riskflow
