// rule_lines.h — the line structure of a rules text (one line per key,
// blocks at column 1, keys indented), shared by the rule-set parser and the
// in-place `mode:` editor so both read the text the same way.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_RULE_LINES_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_RULE_LINES_H_

#include <cstddef>
#include <string_view>
#include <vector>

namespace riskflow {
namespace rule {

struct Line {
  size_t begin = 0;    // first byte
  size_t end = 0;      // one past the last byte, before '\n' (and '\r')
  size_t indent = 0;   // leading spaces
  bool blank = false;  // empty or a comment only
};

std::vector<Line> SplitLines(std::string_view text);

// Rule and aggregate names: [a-z_][a-z0-9_]*.
inline bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
inline bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_RULE_LINES_H_
