#include "plugins/rule/compiler/rule_lines.h"

namespace riskflow {
namespace rule {

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    Line l;
    l.begin = start;
    l.end = nl;
    if (l.end > l.begin && text[l.end - 1] == '\r') --l.end;
    size_t i = l.begin;
    while (i < l.end && text[i] == ' ') ++i;
    l.indent = i - l.begin;
    l.blank = i == l.end || text[i] == '#';
    lines.push_back(l);
    if (nl == text.size()) break;
    start = nl + 1;
  }
  return lines;
}

}  // namespace rule
}  // namespace riskflow
