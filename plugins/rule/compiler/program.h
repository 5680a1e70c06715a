// program.h — a compiled expression: a flat postfix program over a value
// stack, with forward jumps for && and ||. Compiled once at load; evaluated
// per event with no allocation (evaluator.h).
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_PROGRAM_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_PROGRAM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace riskflow {
namespace rule {

enum class Type : uint8_t { kInt, kString, kBool };

const char* TypeName(Type t);

// One stack slot. Strings borrow from the event or from the program.
struct Value {
  int64_t i = 0;
  const char* p = nullptr;
  size_t n = 0;
  std::string_view str() const { return std::string_view(p, n); }
  static Value Int(int64_t v) {
    Value x;
    x.i = v;
    return x;
  }
  static Value Str(std::string_view s) {
    Value x;
    x.p = s.data();
    x.n = s.size();
    return x;
  }
};

enum class Op : uint8_t {
  kPushInt,     // imm
  kPushStr,     // a: strings[a]
  kLoadField,   // a: field id
  kAttr,        // a: strings[a] is the attribute key
  kAggregate,   // a: aggregate index, imm: window ms
  kNeg,
  kNot,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kEqInt,
  kNeInt,
  kEqStr,
  kNeStr,
  kLt,
  kLe,
  kGt,
  kGe,
  kInInt,       // a: int_lists[a]
  kInStr,       // a: str_lists[a]
  kAbs,
  kMin,
  kMax,
  kContains,
  kStartsWith,
  kEndsWith,
  kJumpIfFalse,  // a: target; keeps false and jumps, or pops true
  kJumpIfTrue,   // a: target; keeps true and jumps, or pops false
};

struct Instr {
  Op op;
  int32_t a = 0;
  int64_t imm = 0;
};

struct Program {
  std::vector<Instr> code;
  // Source offset of each instruction's token, for run-time errors.
  std::vector<size_t> offsets;
  std::vector<std::string> strings;
  std::vector<std::vector<int64_t>> int_lists;
  std::vector<std::vector<std::string>> str_lists;
  Type result = Type::kBool;
  size_t max_stack = 0;
  size_t node_count = 0;
};

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_PROGRAM_H_
