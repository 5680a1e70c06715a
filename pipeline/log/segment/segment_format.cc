#include "pipeline/log/segment/segment_format.h"

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace riskflow::log::segment {

std::string SegmentFileName(uint64_t first_sequence) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.seg",
                static_cast<unsigned long long>(first_sequence));
  return name;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != 20 + kSegmentSuffix.size() ||
      name.substr(20) != kSegmentSuffix) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (size_t i = 0; i < 20; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

absl::Status ErrnoStatus(int err, const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace riskflow::log::segment
