#include "plugins/rule/compiler/parser.h"

#include <algorithm>
#include <string>
#include <utility>

#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/limits.h"

namespace riskflow {
namespace rule {
namespace {

// Words of general-purpose languages a rule author may reach for; naming
// them gives a better message than "unknown field".
bool IsStatementWord(const std::string& w) {
  static const char* const kWords[] = {
      "while", "for",    "function", "return", "local", "if",     "then",
      "else",  "elseif", "end",      "do",     "repeat", "until", "goto",
      "let",   "var",    "def",      "lambda", "loop",   "break", "import",
  };
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

}  // namespace

bool IsBuiltin(const std::string& name) {
  static const char* const kBuiltins[] = {
      "count", "sum", "distinct", "abs", "min", "max",
      "contains", "starts_with", "ends_with", "attr",
  };
  for (const char* b : kBuiltins) {
    if (name == b) return true;
  }
  return false;
}

namespace {

class Parser {
 public:
  Parser(const SourceText& source, std::vector<Token> tokens,
         const std::vector<std::string>& aggregates, Ast* ast)
      : source_(source), tokens_(std::move(tokens)), aggregates_(aggregates),
        ast_(ast) {}

  bool Run(CompileError* error) {
    error_ = error;
    if (Cur().kind == Tok::kEnd) return Fail(Cur().offset, "empty expression");
    int root = -1;
    if (!Or(&root)) return false;
    if (Cur().kind != Tok::kEnd) {
      return Unexpected("expected an operator or the end of the expression");
    }
    ast_->root = root;
    return true;
  }

 private:
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Ahead(size_t n) const {
    return tokens_[std::min(pos_ + n, tokens_.size() - 1)];
  }

  bool Fail(size_t offset, std::string message) {
    error_->where = source_.At(offset);
    error_->message = std::move(message);
    return false;
  }

  bool Unexpected(const std::string& what) {
    const Token& t = Cur();
    if (t.kind == Tok::kError) return Fail(t.offset, t.text);
    if (t.kind == Tok::kEnd) return Fail(t.offset, what + ", got the end");
    return Fail(t.offset, what + ", got '" +
                              std::string(source_.text().substr(t.offset, t.length)) +
                              "'");
  }

  bool NewNode(NodeKind kind, size_t offset, int* out) {
    if (ast_->nodes.size() >= kMaxNodes) {
      return Fail(offset, "expression has more than " +
                              std::to_string(kMaxNodes) +
                              " nodes; split it into several rules");
    }
    Node n;
    n.kind = kind;
    n.offset = offset;
    ast_->nodes.push_back(std::move(n));
    *out = static_cast<int>(ast_->nodes.size()) - 1;
    return true;
  }

  bool Binary(Tok op, size_t offset, int lhs, int rhs, int* out) {
    if (!NewNode(NodeKind::kBinary, offset, out)) return false;
    ast_->nodes[*out].op = op;
    ast_->nodes[*out].args = {lhs, rhs};
    return true;
  }

  bool Enter(size_t offset) {
    if (++depth_ > kMaxDepth) {
      return Fail(offset, "expression nested deeper than " +
                              std::to_string(kMaxDepth) + " levels");
    }
    return true;
  }

  bool Or(int* out) {
    if (!Enter(Cur().offset)) return false;
    if (!And(out)) return false;
    while (Cur().kind == Tok::kOr) {
      size_t at = Cur().offset;
      ++pos_;
      int rhs;
      if (!And(&rhs) || !Binary(Tok::kOr, at, *out, rhs, out)) return false;
    }
    --depth_;
    return true;
  }

  bool And(int* out) {
    if (!Cmp(out)) return false;
    while (Cur().kind == Tok::kAnd) {
      size_t at = Cur().offset;
      ++pos_;
      int rhs;
      if (!Cmp(&rhs) || !Binary(Tok::kAnd, at, *out, rhs, out)) return false;
    }
    return true;
  }

  static bool IsComparison(Tok t) {
    return t == Tok::kEq || t == Tok::kNe || t == Tok::kLt || t == Tok::kLe ||
           t == Tok::kGt || t == Tok::kGe;
  }

  bool Cmp(int* out) {
    if (!Sum(out)) return false;
    if (Cur().kind == Tok::kIn) {
      size_t at = Cur().offset;
      ++pos_;
      if (Cur().kind != Tok::kLBracket) {
        return Unexpected("'in' needs a list like [\"PAYOUT\", \"TRANSFER\"]");
      }
      int list;
      if (!List(&list)) return false;
      int lhs = *out;
      if (!NewNode(NodeKind::kIn, at, out)) return false;
      ast_->nodes[*out].args = {lhs, list};
    } else if (IsComparison(Cur().kind)) {
      Tok op = Cur().kind;
      size_t at = Cur().offset;
      ++pos_;
      int rhs;
      if (!Sum(&rhs) || !Binary(op, at, *out, rhs, out)) return false;
    } else {
      return true;
    }
    if (IsComparison(Cur().kind) || Cur().kind == Tok::kIn) {
      return Fail(Cur().offset,
                  "comparisons do not chain; join them with '&&'");
    }
    return true;
  }

  bool Sum(int* out) {
    if (!Product(out)) return false;
    while (Cur().kind == Tok::kPlus || Cur().kind == Tok::kMinus) {
      Tok op = Cur().kind;
      size_t at = Cur().offset;
      ++pos_;
      int rhs;
      if (!Product(&rhs) || !Binary(op, at, *out, rhs, out)) return false;
    }
    return true;
  }

  bool Product(int* out) {
    if (!Unary(out)) return false;
    while (Cur().kind == Tok::kStar || Cur().kind == Tok::kSlash ||
           Cur().kind == Tok::kPercent) {
      Tok op = Cur().kind;
      size_t at = Cur().offset;
      ++pos_;
      int rhs;
      if (!Unary(&rhs) || !Binary(op, at, *out, rhs, out)) return false;
    }
    return true;
  }

  bool Unary(int* out) {
    if (Cur().kind == Tok::kNot || Cur().kind == Tok::kMinus) {
      Tok op = Cur().kind;
      size_t at = Cur().offset;
      if (!Enter(at)) return false;
      ++pos_;
      int operand;
      if (!Unary(&operand)) return false;
      --depth_;
      if (!NewNode(NodeKind::kUnary, at, out)) return false;
      ast_->nodes[*out].op = op;
      ast_->nodes[*out].args = {operand};
      return true;
    }
    return Primary(out);
  }

  bool List(int* out) {
    size_t at = Cur().offset;
    ++pos_;  // '['
    if (!Enter(at) || !NewNode(NodeKind::kList, at, out)) return false;
    std::vector<int> items;
    if (Cur().kind != Tok::kRBracket) {
      while (true) {
        int item;
        if (!Or(&item)) return false;
        items.push_back(item);
        if (items.size() > kMaxListItems) {
          return Fail(at, "list has more than " +
                              std::to_string(kMaxListItems) + " items");
        }
        if (Cur().kind == Tok::kComma) {
          ++pos_;
          continue;
        }
        if (Cur().kind == Tok::kRBracket) break;
        return Unexpected("expected ',' or ']' in the list");
      }
    }
    ++pos_;  // ']'
    --depth_;
    ast_->nodes[*out].args = std::move(items);
    return true;
  }

  bool Primary(int* out) {
    const Token& t = Cur();
    switch (t.kind) {
      case Tok::kInt:
      case Tok::kDuration:
        if (!NewNode(t.kind == Tok::kInt ? NodeKind::kInt : NodeKind::kDuration,
                     t.offset, out)) {
          return false;
        }
        ast_->nodes[*out].int_value = t.int_value;
        ++pos_;
        return true;
      case Tok::kString:
        if (!NewNode(NodeKind::kString, t.offset, out)) return false;
        ast_->nodes[*out].text = t.text;
        ++pos_;
        return true;
      case Tok::kTrue:
      case Tok::kFalse:
        if (!NewNode(NodeKind::kBool, t.offset, out)) return false;
        ast_->nodes[*out].int_value = t.kind == Tok::kTrue;
        ++pos_;
        return true;
      case Tok::kLParen: {
        ++pos_;
        if (!Or(out)) return false;
        if (Cur().kind != Tok::kRParen) return Unexpected("expected ')'");
        ++pos_;
        return true;
      }
      case Tok::kLBracket:
        return List(out);
      case Tok::kIdent:
        return Name(out);
      default:
        return Unexpected("expected a value (a number, a string, a field or "
                          "a call)");
    }
  }

  bool Name(int* out) {
    const Token& t = Cur();
    if (IsStatementWord(t.text)) {
      return Fail(t.offset,
                  "'" + t.text +
                      "' is not part of the rule language: a rule is one "
                      "expression, with no statements, loops or functions");
    }
    if (Ahead(1).kind == Tok::kDot) {
      std::string member =
          Ahead(2).kind == Tok::kIdent ? t.text + "." + Ahead(2).text : t.text;
      return Fail(t.offset,
                  "'" + member +
                      "' is not available: rules see only event fields, "
                      "declared aggregates and the built-in functions (no "
                      "libraries, no member access)");
    }
    const size_t at = t.offset;
    std::string name = t.text;
    ++pos_;
    if (Cur().kind == Tok::kLParen && !IsBuiltin(name)) {
      return Fail(at, "unknown function '" + name +
                          "': rules have no user-defined or library "
                          "functions (built-ins: count, sum, distinct, abs, "
                          "min, max, contains, starts_with, ends_with, attr)");
    }
    // The first argument of count/sum/distinct is an aggregate's name; the
    // type checker words that error ("unknown aggregate").
    const bool aggregate_arg =
        pos_ >= 3 && tokens_[pos_ - 2].kind == Tok::kLParen &&
        tokens_[pos_ - 3].kind == Tok::kIdent &&
        (tokens_[pos_ - 3].text == "count" || tokens_[pos_ - 3].text == "sum" ||
         tokens_[pos_ - 3].text == "distinct");
    if (Cur().kind != Tok::kLParen && !aggregate_arg && FindField(name) < 0 &&
        std::find(aggregates_.begin(), aggregates_.end(), name) ==
            aggregates_.end()) {
      return Fail(at, "unknown name '" + name + "' (event fields: " +
                          FieldNames() + ")");
    }
    if (Cur().kind != Tok::kLParen) {
      if (!NewNode(NodeKind::kName, at, out)) return false;
      ast_->nodes[*out].text = std::move(name);
      return true;
    }
    ++pos_;  // '('
    if (!Enter(at) || !NewNode(NodeKind::kCall, at, out)) return false;
    ast_->nodes[*out].text = std::move(name);
    std::vector<int> args;
    if (Cur().kind != Tok::kRParen) {
      while (true) {
        int arg;
        if (!Or(&arg)) return false;
        args.push_back(arg);
        if (Cur().kind == Tok::kComma) {
          ++pos_;
          continue;
        }
        if (Cur().kind == Tok::kRParen) break;
        return Unexpected("expected ',' or ')' in the call");
      }
    }
    ++pos_;  // ')'
    --depth_;
    ast_->nodes[*out].args = std::move(args);
    return true;
  }

  const SourceText& source_;
  std::vector<Token> tokens_;
  const std::vector<std::string>& aggregates_;
  Ast* ast_;
  size_t pos_ = 0;
  int depth_ = 0;
  CompileError* error_ = nullptr;
};

}  // namespace

bool ParseExpression(const SourceText& source, size_t begin, size_t end,
                     const std::vector<std::string>& aggregates, Ast* out,
                     CompileError* error) {
  std::vector<Token> tokens;
  CompileError lex_error;
  Lex(source, begin, end, &tokens, &lex_error);
  // Every node needs at least one token; refusing early keeps a huge
  // expression from being tokenised into a huge AST first.
  *out = Ast();
  return Parser(source, std::move(tokens), aggregates, out).Run(error);
}

}  // namespace rule
}  // namespace riskflow
