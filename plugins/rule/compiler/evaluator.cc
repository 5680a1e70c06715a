#include "plugins/rule/compiler/evaluator.h"

#include <limits>

#include "plugins/rule/compiler/limits.h"

namespace riskflow {
namespace rule {

const char* EvalStatusText(EvalStatus s) {
  switch (s) {
    case EvalStatus::kOk: return "ok";
    case EvalStatus::kOverflow: return "integer overflow";
    case EvalStatus::kDivideByZero: return "division by zero";
    case EvalStatus::kBudgetExhausted: return "step budget exhausted";
    case EvalStatus::kHostError: return "state read failed";
  }
  return "?";
}

void Evaluator::Reserve(const Program& program) {
  if (stack_.size() < program.max_stack + 1) {
    stack_.resize(program.max_stack + 1);
  }
}

EvalResult Evaluator::Run(const Program& program, Environment& env,
                          int64_t* budget) {
  EvalResult result;
  Value* const base = stack_.data();
  Value* sp = base;  // next free slot
  const Instr* const code = program.code.data();
  const size_t size = program.code.size();
  size_t pc = 0;
  auto fail = [&](EvalStatus s) {
    result.status = s;
    result.failed_offset = program.offsets[pc];
    return result;
  };
  while (pc < size) {
    const Instr& in = code[pc];
    if (--*budget < 0) return fail(EvalStatus::kBudgetExhausted);
    switch (in.op) {
      case Op::kPushInt:
        (sp++)->i = in.imm;
        break;
      case Op::kPushStr:
        *sp++ = Value::Str(program.strings[in.a]);
        break;
      case Op::kLoadField:
        *sp++ = env.fields[in.a];
        break;
      case Op::kAttr:
        *sp++ = Value::Str(env.Attribute(program.strings[in.a]));
        break;
      case Op::kAggregate: {
        *budget -= kAggregateSteps - 1;
        if (*budget < 0) return fail(EvalStatus::kBudgetExhausted);
        int64_t v = 0;
        if (!env.Aggregate(in.a, in.imm, &v)) {
          return fail(EvalStatus::kHostError);
        }
        (sp++)->i = v;
        break;
      }
      case Op::kNeg:
        if (sp[-1].i == std::numeric_limits<int64_t>::min()) {
          return fail(EvalStatus::kOverflow);
        }
        sp[-1].i = -sp[-1].i;
        break;
      case Op::kNot:
        sp[-1].i = !sp[-1].i;
        break;
      case Op::kAbs:
        if (sp[-1].i == std::numeric_limits<int64_t>::min()) {
          return fail(EvalStatus::kOverflow);
        }
        if (sp[-1].i < 0) sp[-1].i = -sp[-1].i;
        break;
      case Op::kAdd:
        --sp;
        if (__builtin_add_overflow(sp[-1].i, sp[0].i, &sp[-1].i)) {
          return fail(EvalStatus::kOverflow);
        }
        break;
      case Op::kSub:
        --sp;
        if (__builtin_sub_overflow(sp[-1].i, sp[0].i, &sp[-1].i)) {
          return fail(EvalStatus::kOverflow);
        }
        break;
      case Op::kMul:
        --sp;
        if (__builtin_mul_overflow(sp[-1].i, sp[0].i, &sp[-1].i)) {
          return fail(EvalStatus::kOverflow);
        }
        break;
      case Op::kDiv:
      case Op::kMod:
        --sp;
        if (sp[0].i == 0) return fail(EvalStatus::kDivideByZero);
        if (sp[0].i == -1 &&
            sp[-1].i == std::numeric_limits<int64_t>::min()) {
          if (in.op == Op::kDiv) return fail(EvalStatus::kOverflow);
          sp[-1].i = 0;
          break;
        }
        // C++ semantics: the quotient truncates toward zero and the
        // remainder has the sign of the dividend (docs/rules.md).
        sp[-1].i = in.op == Op::kDiv ? sp[-1].i / sp[0].i : sp[-1].i % sp[0].i;
        break;
      case Op::kEqInt: --sp; sp[-1].i = sp[-1].i == sp[0].i; break;
      case Op::kNeInt: --sp; sp[-1].i = sp[-1].i != sp[0].i; break;
      case Op::kLt: --sp; sp[-1].i = sp[-1].i < sp[0].i; break;
      case Op::kLe: --sp; sp[-1].i = sp[-1].i <= sp[0].i; break;
      case Op::kGt: --sp; sp[-1].i = sp[-1].i > sp[0].i; break;
      case Op::kGe: --sp; sp[-1].i = sp[-1].i >= sp[0].i; break;
      case Op::kMin:
        --sp;
        if (sp[0].i < sp[-1].i) sp[-1].i = sp[0].i;
        break;
      case Op::kMax:
        --sp;
        if (sp[0].i > sp[-1].i) sp[-1].i = sp[0].i;
        break;
      case Op::kEqStr:
      case Op::kNeStr: {
        --sp;
        const bool eq = sp[-1].str() == sp[0].str();
        sp[-1] = Value::Int(in.op == Op::kEqStr ? eq : !eq);
        break;
      }
      case Op::kContains:
      case Op::kStartsWith:
      case Op::kEndsWith: {
        --sp;
        const std::string_view s = sp[-1].str(), t = sp[0].str();
        bool r;
        if (in.op == Op::kContains) {
          r = s.find(t) != std::string_view::npos;
        } else if (in.op == Op::kStartsWith) {
          r = s.substr(0, t.size()) == t;
        } else {
          r = s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
        }
        // Scanning a string costs in proportion to its length.
        *budget -= static_cast<int64_t>(s.size() / 64);
        sp[-1] = Value::Int(r);
        break;
      }
      case Op::kInInt: {
        const auto& list = program.int_lists[in.a];
        *budget -= static_cast<int64_t>(list.size());
        if (*budget < 0) return fail(EvalStatus::kBudgetExhausted);
        bool found = false;
        for (int64_t v : list) found = found || v == sp[-1].i;
        sp[-1].i = found;
        break;
      }
      case Op::kInStr: {
        const auto& list = program.str_lists[in.a];
        *budget -= static_cast<int64_t>(list.size());
        if (*budget < 0) return fail(EvalStatus::kBudgetExhausted);
        const std::string_view s = sp[-1].str();
        bool found = false;
        for (const std::string& v : list) {
          if (v == s) {
            found = true;
            break;
          }
        }
        sp[-1] = Value::Int(found);
        break;
      }
      case Op::kJumpIfFalse:
        if (!sp[-1].i) {
          pc = static_cast<size_t>(in.a);
          continue;
        }
        --sp;
        break;
      case Op::kJumpIfTrue:
        if (sp[-1].i) {
          pc = static_cast<size_t>(in.a);
          continue;
        }
        --sp;
        break;
    }
    ++pc;
  }
  result.value = sp[-1];
  return result;
}

}  // namespace rule
}  // namespace riskflow
