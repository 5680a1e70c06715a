#include "plugins/rule/compiler/lexer.h"

#include <limits>

#include "plugins/rule/compiler/limits.h"

namespace riskflow {
namespace rule {

const char* TokSpelling(Tok t) {
  switch (t) {
    case Tok::kEnd: return "end of expression";
    case Tok::kInt: return "number";
    case Tok::kDuration: return "duration";
    case Tok::kString: return "string";
    case Tok::kIdent: return "name";
    case Tok::kTrue: return "true";
    case Tok::kFalse: return "false";
    case Tok::kIn: return "in";
    case Tok::kLParen: return "(";
    case Tok::kRParen: return ")";
    case Tok::kLBracket: return "[";
    case Tok::kRBracket: return "]";
    case Tok::kComma: return ",";
    case Tok::kDot: return ".";
    case Tok::kAnd: return "&&";
    case Tok::kOr: return "||";
    case Tok::kNot: return "!";
    case Tok::kEq: return "==";
    case Tok::kNe: return "!=";
    case Tok::kLt: return "<";
    case Tok::kLe: return "<=";
    case Tok::kGt: return ">";
    case Tok::kGe: return ">=";
    case Tok::kPlus: return "+";
    case Tok::kMinus: return "-";
    case Tok::kStar: return "*";
    case Tok::kSlash: return "/";
    case Tok::kPercent: return "%";
    case Tok::kError: return "error";
  }
  return "?";
}

namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(const SourceText& source, size_t begin, size_t end)
      : source_(source), text_(source.text()), pos_(begin), end_(end) {}

  bool Run(std::vector<Token>* out, CompileError* error) {
    while (true) {
      SkipSpaceAndComments();
      Token t;
      t.offset = pos_;
      if (pos_ >= end_) {
        t.kind = Tok::kEnd;
        out->push_back(std::move(t));
        return true;
      }
      if (!Next(&t, error)) {
        Token bad;
        bad.kind = Tok::kError;
        bad.offset = error->where.offset;
        bad.text = error->message;
        out->push_back(std::move(bad));
        return false;
      }
      t.length = pos_ - t.offset;
      out->push_back(std::move(t));
    }
  }

 private:
  void SkipSpaceAndComments() {
    while (pos_ < end_) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < end_ && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  bool Fail(size_t at, std::string message, CompileError* error) {
    error->where = source_.At(at);
    error->message = std::move(message);
    return false;
  }

  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < end_ ? text_[pos_ + ahead] : '\0';
  }

  bool Next(Token* t, CompileError* error) {
    const char c = text_[pos_];
    if (IsDigit(c)) return Number(t, error);
    if (IsIdentStart(c)) {
      size_t start = pos_;
      while (pos_ < end_ && (IsIdentStart(text_[pos_]) || IsDigit(text_[pos_]))) {
        ++pos_;
      }
      t->text = std::string(text_.substr(start, pos_ - start));
      if (t->text.size() > kMaxNameBytes) {
        return Fail(start, "name longer than " +
                               std::to_string(kMaxNameBytes) + " bytes",
                    error);
      }
      t->kind = t->text == "true"    ? Tok::kTrue
                : t->text == "false" ? Tok::kFalse
                : t->text == "in"    ? Tok::kIn
                                     : Tok::kIdent;
      return true;
    }
    if (c == '"') return String(t, error);
    const size_t at = pos_;
    const char n = Peek(1);
    auto two = [&](Tok k) {
      pos_ += 2;
      t->kind = k;
      return true;
    };
    auto one = [&](Tok k) {
      pos_ += 1;
      t->kind = k;
      return true;
    };
    switch (c) {
      case '(': return one(Tok::kLParen);
      case ')': return one(Tok::kRParen);
      case '[': return one(Tok::kLBracket);
      case ']': return one(Tok::kRBracket);
      case ',': return one(Tok::kComma);
      case '.':
        return one(Tok::kDot);
      case '+': return one(Tok::kPlus);
      case '-': return one(Tok::kMinus);
      case '*': return one(Tok::kStar);
      case '/': return one(Tok::kSlash);
      case '%': return one(Tok::kPercent);
      case '&':
        if (n == '&') return two(Tok::kAnd);
        return Fail(at, "'&' is not an operator; use '&&'", error);
      case '|':
        if (n == '|') return two(Tok::kOr);
        return Fail(at, "'|' is not an operator; use '||'", error);
      case '!':
        if (n == '=') return two(Tok::kNe);
        return one(Tok::kNot);
      case '=':
        if (n == '=') return two(Tok::kEq);
        return Fail(at,
                    "'=' is not an operator (there is no assignment); use "
                    "'==' to compare",
                    error);
      case '<':
        if (n == '=') return two(Tok::kLe);
        return one(Tok::kLt);
      case '>':
        if (n == '=') return two(Tok::kGe);
        return one(Tok::kGt);
      case '~':
        return Fail(at, "'~' is not an operator; use '!=' or '!'", error);
      case '\'':
        return Fail(at, "strings are written in double quotes", error);
      default:
        break;
    }
    std::string shown = (static_cast<unsigned char>(c) >= 0x20 &&
                         static_cast<unsigned char>(c) < 0x7f)
                            ? std::string(1, c)
                            : "\\x" + std::string(1, "0123456789abcdef"[(c >> 4) & 15]) +
                                  std::string(1, "0123456789abcdef"[c & 15]);
    return Fail(at, "unexpected character '" + shown + "'", error);
  }

  bool Number(Token* t, CompileError* error) {
    const size_t start = pos_;
    unsigned __int128 value = 0;
    bool overflow = false;
    while (pos_ < end_ && (IsDigit(text_[pos_]) || text_[pos_] == '_')) {
      if (text_[pos_] != '_') {
        value = value * 10 + static_cast<unsigned>(text_[pos_] - '0');
        if (value > static_cast<unsigned __int128>(
                        std::numeric_limits<int64_t>::max())) {
          overflow = true;
          value = 0;
        }
      }
      ++pos_;
    }
    if (overflow) {
      return Fail(start, "number does not fit in 64 bits", error);
    }
    if (pos_ < end_ && text_[pos_] == '.' && pos_ + 1 < end_ &&
        IsDigit(text_[pos_ + 1])) {
      return Fail(start,
                  "decimals are not supported: amounts are integers in minor "
                  "units (write 150 for 1.50)",
                  error);
    }
    int64_t unit = 0;
    size_t unit_start = pos_;
    while (pos_ < end_ && IsIdentStart(text_[pos_])) ++pos_;
    std::string_view suffix = text_.substr(unit_start, pos_ - unit_start);
    if (suffix.empty()) {
      t->kind = Tok::kInt;
      t->int_value = static_cast<int64_t>(value);
      return true;
    }
    if (suffix == "ms") unit = 1;
    else if (suffix == "s") unit = 1000;
    else if (suffix == "m") unit = 60 * 1000;
    else if (suffix == "h") unit = 3600 * 1000;
    else if (suffix == "d") unit = 24 * 3600 * 1000;
    else {
      return Fail(unit_start,
                  "unknown unit '" + std::string(suffix) +
                      "' (durations end in ms, s, m, h or d)",
                  error);
    }
    if (value > static_cast<unsigned __int128>(kMaxWindowMs) * 100 / unit) {
      return Fail(start, "duration too long", error);
    }
    t->kind = Tok::kDuration;
    t->int_value = static_cast<int64_t>(value) * unit;
    return true;
  }

  bool String(Token* t, CompileError* error) {
    const size_t start = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= end_ || text_[pos_] == '\n') {
        return Fail(start, "string is not closed (missing '\"')", error);
      }
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c == '\\') {
        char e = Peek(1);
        if (e == '"' || e == '\\') {
          out += e;
        } else if (e == 'n') {
          out += '\n';
        } else if (e == 't') {
          out += '\t';
        } else {
          return Fail(pos_, "unknown escape (use \\\", \\\\, \\n or \\t)",
                      error);
        }
        pos_ += 2;
      } else {
        out += c;
        ++pos_;
      }
      if (out.size() > kMaxStringLiteralBytes) {
        return Fail(start,
                    "string literal longer than " +
                        std::to_string(kMaxStringLiteralBytes) + " bytes",
                    error);
      }
    }
    t->kind = Tok::kString;
    t->text = std::move(out);
    return true;
  }

  const SourceText& source_;
  std::string_view text_;
  size_t pos_;
  size_t end_;
};

}  // namespace

bool Lex(const SourceText& source, size_t begin, size_t end,
         std::vector<Token>* out, CompileError* error) {
  out->clear();
  return Lexer(source, begin, end).Run(out, error);
}

}  // namespace rule
}  // namespace riskflow
