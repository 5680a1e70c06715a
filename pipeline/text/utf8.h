// UTF-8 checks for bytes that end up in protobuf `string` fields.
//
// proto3 serializes a string field holding invalid UTF-8 but refuses to
// parse it back, so one such byte in a stored decision made it unreadable
// for ever (issue 8). Everything a plugin hands back is therefore checked
// here before it reaches a proto, with exactly protobuf's rule: well-formed
// UTF-8, no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF.
#ifndef RISKFLOW_PIPELINE_TEXT_UTF8_H_
#define RISKFLOW_PIPELINE_TEXT_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace riskflow::text {

// Length of the longest valid UTF-8 prefix of s (== s.size() when valid).
size_t ValidUtf8Prefix(std::string_view s);

inline bool IsValidUtf8(std::string_view s) {
  return ValidUtf8Prefix(s) == s.size();
}

// s with every invalid byte replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);

// A valid UTF-8 prefix of s of at most max_bytes bytes, cut at a character
// boundary (s must be valid UTF-8).
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes);

// For text a plugin gave us that goes into a message or a log line:
// invalid bytes replaced by U+FFFD, ASCII control characters (newlines
// included, so a plugin cannot forge log lines) replaced by a space, then
// cut to at most max_bytes with a "...(N bytes)" marker naming the original
// size. The result is always valid UTF-8 and at most max_bytes + 32 bytes.
std::string CleanPluginText(std::string_view s, size_t max_bytes);

}  // namespace riskflow::text

#endif  // RISKFLOW_PIPELINE_TEXT_UTF8_H_
