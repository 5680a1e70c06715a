// diagnostics.h — source positions and the error text of the rule compiler.
// Every load-time error names a line and column of the `rules` text and
// shows the line with a caret under the offending token:
//
//   rule 'big_payout', line 2, column 31: '>' needs numbers, got string
//   field 'currency'
//     when: type == "PAYOUT" && currency > 5
//                               ^
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_DIAGNOSTICS_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_DIAGNOSTICS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace riskflow {
namespace rule {

// A byte offset into the rule-set text; line and column are 1-based and
// counted in bytes (the text is what the operator typed).
struct Location {
  size_t offset = 0;
  int line = 1;
  int column = 1;
};

// Maps offsets to locations over one text.
class SourceText {
 public:
  explicit SourceText(std::string_view text);
  std::string_view text() const { return text_; }
  Location At(size_t offset) const;
  // The whole line holding `loc` (without its newline).
  std::string_view LineOf(const Location& loc) const;

 private:
  std::string_view text_;
};

// A compile error: where and what. `context` is e.g. "rule 'big_payout'".
struct CompileError {
  Location where;
  std::string message;
};

// "<context>, line L, column C: <message>\n  <line>\n  <caret>". Long lines
// are cut around the column so the result stays well under the host's
// 1 KiB error bound.
//
// one_line: the host blanks control characters in a plugin's error text
// (pipeline/plugin_host/plugin_output.h), which would flatten the caret
// line into noise; then the excerpt follows on the same line with a '^'
// written in front of the offending token:
//   ... got string field 'currency' (at: `&& currency ^> 5`)
std::string FormatError(const SourceText& source, std::string_view context,
                        const CompileError& error, bool one_line = false);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_DIAGNOSTICS_H_
