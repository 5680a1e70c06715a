#ifndef RISKFLOW_PIPELINE_LOG_UTF8_H_
#define RISKFLOW_PIPELINE_LOG_UTF8_H_

#include <cstddef>
#include <string_view>

namespace riskflow::log {

// The byte offset of the first byte that does not start a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), or npos when all of `s` is valid. Proto3 `string` fields must
// hold UTF-8; the C++ runtime does not enforce it on parse, so ingest does.
size_t FindInvalidUtf8(std::string_view s);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_UTF8_H_
