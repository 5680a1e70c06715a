#include "pipeline/config/duration.h"

#include <cstdint>
#include <limits>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace riskflow {
namespace config {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t us;
};

// Longest suffixes first, so "ms" and "us" are not read as "s".
constexpr Unit kUnits[] = {
    {"us", 1},
    {"ms", 1000},
    {"s", 1000 * 1000},
    {"m", 60LL * 1000 * 1000},
    {"h", 60LL * 60 * 1000 * 1000},
    {"d", 24LL * 60 * 60 * 1000 * 1000},
};

// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view), hence the explicit conversion.
absl::Status Invalid(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid duration '", absl::string_view(text.data(), text.size()), "'"));
}

absl::StatusOr<int64_t> ParseUs(std::string_view text, bool allow_us) {
  if (text == "0") return 0;
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(text[digits])) ++digits;
  if (digits == 0) return Invalid(text);
  std::string_view suffix = text.substr(digits);
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (suffix == u.suffix) {
      unit = &u;
      break;
    }
  }
  if (unit == nullptr || (!allow_us && unit->us == 1)) return Invalid(text);

  // Accumulate by hand: absl::SimpleAtoi would accept a leading '+' and
  // surrounding whitespace, which a duration must not have.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (size_t i = 0; i < digits; ++i) {
    const int64_t d = text[i] - '0';
    if (value > (kMax - d) / 10) return Invalid(text);
    value = value * 10 + d;
  }
  if (value > kMax / unit->us) return Invalid(text);
  return value * unit->us;
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationUs(std::string_view text) {
  return ParseUs(text, /*allow_us=*/true);
}

absl::StatusOr<int64_t> ParseDurationMs(std::string_view text) {
  absl::StatusOr<int64_t> us = ParseUs(text, /*allow_us=*/false);
  if (!us.ok()) return us.status();
  return *us / 1000;
}

}  // namespace config
}  // namespace riskflow
