// evaluator.h — runs a Program for one event. No allocation per event: the
// stack is sized once for the largest program. Every run-time failure is a
// result, never an exception or a crash: integer overflow, division by
// zero, a failed host call, or the step budget running out.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_EVALUATOR_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_EVALUATOR_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "plugins/rule/compiler/program.h"

namespace riskflow {
namespace rule {

// What a program reads besides constants. `fields` is indexed by FieldId.
class Environment {
 public:
  virtual ~Environment() = default;
  // The aggregate's value over (t - window_ms, t]; false when the host call
  // failed.
  virtual bool Aggregate(int index, int64_t window_ms, int64_t* out) = 0;
  // "" when the event has no such attribute.
  virtual std::string_view Attribute(std::string_view key) = 0;

  const Value* fields = nullptr;
};

enum class EvalStatus {
  kOk,
  kOverflow,
  kDivideByZero,
  kBudgetExhausted,
  kHostError,
};

const char* EvalStatusText(EvalStatus s);

struct EvalResult {
  EvalStatus status = EvalStatus::kOk;
  Value value;
  size_t failed_offset = 0;  // source offset of the failing instruction
};

class Evaluator {
 public:
  // Grows the stack to hold `program` (load time only).
  void Reserve(const Program& program);

  // Runs `program`, charging *budget one step per instruction (more for
  // aggregate reads and `in` lists); kBudgetExhausted when it would go
  // below zero.
  EvalResult Run(const Program& program, Environment& env, int64_t* budget);

 private:
  std::vector<Value> stack_;
};

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_EVALUATOR_H_
