#include "plugins/rule/compiler/diagnostics.h"

#include <algorithm>

namespace riskflow {
namespace rule {

SourceText::SourceText(std::string_view text) : text_(text) {}

Location SourceText::At(size_t offset) const {
  offset = std::min(offset, text_.size());
  Location loc;
  loc.offset = offset;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text_[i] == '\n') {
      ++loc.line;
      line_start = i + 1;
    }
  }
  loc.column = static_cast<int>(offset - line_start) + 1;
  return loc;
}

std::string_view SourceText::LineOf(const Location& loc) const {
  size_t start = std::min(loc.offset, text_.size());
  while (start > 0 && text_[start - 1] != '\n') --start;
  size_t end = start;
  while (end < text_.size() && text_[end] != '\n') ++end;
  return text_.substr(start, end - start);
}

namespace {

// Control bytes would garble a terminal or a log line; the excerpt is for
// reading, so they are shown as '?'.
std::string Printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

}  // namespace

std::string FormatError(const SourceText& source, std::string_view context,
                        const CompileError& error, bool one_line) {
  std::string out(context);
  if (!out.empty()) out += ", ";
  out += "line " + std::to_string(error.where.line) + ", column " +
         std::to_string(error.where.column) + ": " + error.message;
  if (out.size() > 600) out.resize(600);
  std::string_view line = source.LineOf(error.where);
  size_t caret = static_cast<size_t>(error.where.column - 1);
  // Show at most 100 bytes of the line, around the caret.
  constexpr size_t kWidth = 100;
  size_t from = 0;
  if (caret > kWidth - 20) from = caret - (kWidth - 20);
  if (from > line.size()) from = line.size();
  std::string_view shown = line.substr(from, kWidth);
  if (one_line) {
    const size_t at = std::min(caret - from, shown.size());
    std::string excerpt = Printable(shown.substr(0, at)) + "^" +
                          Printable(shown.substr(at));
    // Leading indentation says nothing on one line.
    const size_t first = excerpt.find_first_not_of(' ');
    if (first != std::string::npos) excerpt.erase(0, first);
    return out + " (at: `" + excerpt + "`)";
  }
  out += "\n  " + Printable(shown) + "\n  " +
         std::string(std::min(caret - from, shown.size()), ' ') + "^";
  return out;
}

}  // namespace rule
}  // namespace riskflow
