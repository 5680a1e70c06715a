// compile.h — type-checks a parsed expression and emits its Program.
// Every name must be an event field (fields.h), a declared aggregate (only
// as the first argument of count/sum/distinct) or a built-in function;
// anything else is refused with its line and column.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_COMPILE_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_COMPILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/rule/compiler/ast.h"
#include "plugins/rule/compiler/diagnostics.h"
#include "plugins/rule/compiler/program.h"

namespace riskflow {
namespace rule {

enum class AggregateKind { kCount, kSum, kDistinct };
const char* AggregateKindName(AggregateKind k);

// What expressions may know about a declared aggregate.
struct AggregateInfo {
  std::string name;
  AggregateKind kind = AggregateKind::kCount;
  int64_t window_ms = 0;  // longest window a rule may read
};

// "count, sum, distinct, abs, ..." for messages and docs.
std::string BuiltinNames();

// Compiles text[begin, end) of `source`. When `want` is set the result
// must have that type (a `when` must be true/false). Refuses expressions of
// more than kMaxNodes nodes.
bool CompileExpression(const SourceText& source, size_t begin, size_t end,
                       const std::vector<AggregateInfo>& aggregates,
                       const Type* want, Program* out, CompileError* error);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_COMPILE_H_
