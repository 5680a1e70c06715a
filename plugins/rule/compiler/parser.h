// parser.h — precedence-climbing parser for one expression.
//
//   expr    := or
//   or      := and ('||' and)*
//   and     := cmp ('&&' cmp)*
//   cmp     := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum | 'in' list)?
//   sum     := product (('+'|'-') product)*
//   product := unary (('*'|'/'|'%') unary)*
//   unary   := ('!'|'-') unary | primary
//   primary := INT | DURATION | STRING | true | false | NAME
//            | NAME '(' [expr (',' expr)*] ')' | '(' expr ')' | list
//   list    := '[' [expr (',' expr)*] ']'
//
// Comparisons do not chain (`a < b < c` is an error). There is nothing
// else: no statements, no assignment, no member access, no user functions.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_PARSER_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_PARSER_H_

#include <vector>

#include <string>

#include "plugins/rule/compiler/ast.h"
#include "plugins/rule/compiler/diagnostics.h"
#include "plugins/rule/compiler/lexer.h"

namespace riskflow {
namespace rule {

// Parses text[begin, end) of `source`. Refuses more than kMaxNodes nodes or
// nesting deeper than kMaxDepth. Calls of anything but a built-in are
// refused here, in source order; `aggregates` are the names a rule may use
// besides the event fields (the type checker checks the rest).
bool ParseExpression(const SourceText& source, size_t begin, size_t end,
                     const std::vector<std::string>& aggregates, Ast* out,
                     CompileError* error);

// Whether `name` is a built-in function.
bool IsBuiltin(const std::string& name);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_PARSER_H_
