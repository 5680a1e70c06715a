#include "plugins/rule/reason_text.h"

namespace riskflow {
namespace rule {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; min = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void AppendClean(std::string_view in, size_t max_bytes, std::string* out) {
  size_t i = 0;
  while (i < in.size()) {
    size_t n = Utf8Length(in, i);
    const unsigned char c = static_cast<unsigned char>(in[i]);
    const bool control = n == 1 && (c < 0x20 || c == 0x7F) && c != '\n';
    const size_t add = (n == 0 || control) ? 1 : n;
    if (out->size() + add > max_bytes) return;
    if (n == 0 || control) {
      *out += '?';
      i += 1;
    } else {
      out->append(in.data() + i, n);
      i += n;
    }
  }
}

}  // namespace rule
}  // namespace riskflow
