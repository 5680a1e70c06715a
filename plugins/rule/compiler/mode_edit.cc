#include "plugins/rule/compiler/mode_edit.h"

#include <vector>

#include "plugins/rule/compiler/rule_lines.h"

namespace riskflow {
namespace rule {

ModeEdit LocateMode(std::string_view text, std::string_view rule) {
  ModeEdit edit;
  const std::vector<Line> lines = SplitLines(text);
  bool inside = false;
  int prop_indent = -1;
  for (size_t li = 0; li < lines.size(); ++li) {
    const Line& l = lines[li];
    if (l.blank) continue;
    const std::string_view content = text.substr(l.begin, l.end - l.begin);
    if (l.indent == 0) {
      if (inside) break;
      // "rule NAME:" (spaces as the parser allows them).
      if (content.substr(0, 5) == "rule ") {
        std::string_view rest = content.substr(5);
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        size_t n = 0;
        while (n < rest.size() && IsNameChar(rest[n])) ++n;
        if (rest.substr(0, n) == rule) {
          inside = true;
          edit.found_rule = true;
          edit.insert_after = static_cast<int>(li);
        }
      }
      continue;
    }
    if (!inside) continue;
    edit.insert_after = static_cast<int>(li);
    if (prop_indent < 0) {
      prop_indent = static_cast<int>(l.indent);
      edit.indent = prop_indent;
    }
    // Continuation lines of `when` are indented deeper: not keys.
    if (static_cast<int>(l.indent) != prop_indent) continue;
    const std::string_view key = content.substr(l.indent);
    if (key.substr(0, 5) == "mode:") {
      edit.has_mode = true;
      edit.mode_line = static_cast<int>(li);
    } else if (key.substr(0, 15) == "canary_percent:") {
      edit.has_percent = true;
      edit.percent_line = static_cast<int>(li);
    }
  }
  return edit;
}

}  // namespace rule
}  // namespace riskflow
