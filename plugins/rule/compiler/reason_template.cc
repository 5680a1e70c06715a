#include "plugins/rule/compiler/reason_template.h"

#include <string>
#include <utility>

#include "plugins/rule/compiler/limits.h"

namespace riskflow {
namespace rule {
namespace {

// Finds the '}' closing a placeholder opened at `open`, skipping string
// literals inside it; npos when there is none before `end`.
size_t CloseBrace(std::string_view text, size_t open, size_t end) {
  bool in_string = false;
  for (size_t i = open + 1; i < end; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool CompileReason(const SourceText& source, size_t begin, size_t end,
                   const std::vector<AggregateInfo>& infos,
                   std::vector<ReasonPart>* out, CompileError* error) {
  const std::string_view text = source.text();
  auto Fail = [&](size_t offset, std::string message) {
    error->where = source.At(offset);
    error->message = std::move(message);
    return false;
  };
  while (begin < end && text[begin] == ' ') ++begin;
  while (end > begin && text[end - 1] == ' ') --end;
  if (begin == end) return Fail(begin, "'reason' has no value");
  bool quoted = text[begin] == '"';
  size_t i = begin;
  size_t stop = end;
  if (quoted) {
    ++i;
    // The closing quote, skipping escapes and placeholders (which may
    // hold string literals of their own).
    size_t k = i;
    stop = std::string_view::npos;
    while (k < end) {
      if (text[k] == '\\') {
        k += 2;
      } else if (text[k] == '{' && k + 1 < end && text[k + 1] != '{') {
        size_t close = CloseBrace(text, k, end);
        if (close == std::string_view::npos) break;
        k = close + 1;
      } else if (text[k] == '{') {
        k += 2;
      } else if (text[k] == '"') {
        stop = k;
        break;
      } else {
        ++k;
      }
    }
    if (stop == std::string_view::npos) {
      return Fail(begin, "reason string is not closed (missing '\"')");
    }
    size_t after = stop + 1;
    while (after < end && text[after] == ' ') ++after;
    if (after < end && text[after] != '#') {
      return Fail(after, "unexpected text after the reason string");
    }
  }
  std::string literal;
  size_t placeholders = 0;
  auto flush = [&]() {
    if (literal.empty()) return;
    ReasonPart part;
    part.literal = std::move(literal);
    literal.clear();
    out->push_back(std::move(part));
  };
  while (i < stop) {
    const char c = text[i];
    if (quoted && c == '\\' && i + 1 < stop) {
      const char e = text[i + 1];
      literal += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      i += 2;
    } else if ((c == '{' || c == '}') && i + 1 < stop && text[i + 1] == c) {
      literal += c;
      i += 2;
    } else if (c == '}') {
      return Fail(i, "'}' without '{' (write '}}' for a literal brace)");
    } else if (c == '{') {
      const size_t close = CloseBrace(text, i, stop);
      if (close == std::string_view::npos) {
        return Fail(i, "placeholder is not closed (missing '}')");
      }
      if (++placeholders > kMaxReasonPlaceholders) {
        return Fail(i, "more than " +
                           std::to_string(kMaxReasonPlaceholders) +
                           " placeholders in one reason");
      }
      flush();
      ReasonPart part;
      part.is_expr = true;
      if (!CompileExpression(source, i + 1, close, infos, nullptr,
                             &part.expr, error)) {
        return false;
      }
      out->push_back(std::move(part));
      i = close + 1;
    } else {
      literal += c;
      ++i;
    }
    if (literal.size() > kMaxReasonBytes) {
      return Fail(begin, "reason longer than " +
                             std::to_string(kMaxReasonBytes) + " bytes");
    }
  }
  flush();
  return true;
}

}  // namespace rule
}  // namespace riskflow
