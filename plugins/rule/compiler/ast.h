// ast.h — the parsed expression: nodes in one vector, children by index.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_AST_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_AST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "plugins/rule/compiler/lexer.h"

namespace riskflow {
namespace rule {

enum class NodeKind {
  kInt,       // int_value
  kDuration,  // int_value in ms
  kString,    // text
  kBool,      // int_value 0/1
  kName,      // text: an event field
  kUnary,     // op, args[0]
  kBinary,    // op, args[0], args[1]
  kIn,        // args[0] in args[1] (a kList)
  kList,      // args: the items
  kCall,      // text: function name, args
};

struct Node {
  NodeKind kind = NodeKind::kInt;
  Tok op = Tok::kEnd;
  int64_t int_value = 0;
  std::string text;
  std::vector<int> args;
  size_t offset = 0;  // where the node's token is (operator or operand)
};

struct Ast {
  std::vector<Node> nodes;
  int root = -1;
};

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_AST_H_
