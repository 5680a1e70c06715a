// lexer.h — tokens of the rule expression language. The lexer works on a
// range [begin, end) of the whole rule-set text, so every token carries its
// offset in that text (for line/column errors).
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_LEXER_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/rule/compiler/diagnostics.h"

namespace riskflow {
namespace rule {

enum class Tok {
  kEnd,
  kInt,       // 42, 5_000_000
  kDuration,  // 500ms 30s 5m 1h 7d (int_value in ms)
  kString,    // "..." (text unescaped)
  kIdent,
  kTrue,
  kFalse,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kAnd,
  kOr,
  kNot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  // A malformed token; `text` holds the message. Always the last token, so
  // the parser reports errors in source order.
  kError,
};

// How an operator token is spelled, for messages ("'>'").
const char* TokSpelling(Tok t);

struct Token {
  Tok kind = Tok::kEnd;
  size_t offset = 0;  // in the whole text
  size_t length = 0;
  int64_t int_value = 0;
  std::string text;  // identifier name or unescaped string
};

// Splits text[begin, end) into tokens ending with kEnd. '#' starts a comment
// to the end of the line. A malformed token ends the list as a kError token
// (and the function returns false with *error set to it).
bool Lex(const SourceText& source, size_t begin, size_t end,
         std::vector<Token>* out, CompileError* error);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_LEXER_H_
