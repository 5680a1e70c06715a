#include "pipeline/log/card_numbers.h"

#include <cstddef>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"

namespace riskflow::log {
namespace {

constexpr size_t kMinDigits = 13;
constexpr size_t kMaxDigits = 19;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSeparator(char c) { return c == ' ' || c == '-'; }

struct Group {
  size_t begin;  // byte offsets in the scanned string
  size_t end;
};

// Calls fn(positions) for each card number found; positions are the byte
// offsets of its digits. Returns early (true) once fn returns true. Runs on
// every string of every event at ingest (a UUID alone has ~20 digits in
// dash-joined groups), so nothing here allocates for a chain of up to 8
// groups, and a candidate's digits (at most 19) live on the stack.
template <typename Fn>
bool ScanCardNumbers(std::string_view s, Fn fn) {
  const size_t n = s.size();
  size_t i = 0;
  absl::InlinedVector<Group, 8> chain;
  char digits[kMaxDigits];
  size_t positions[kMaxDigits];
  while (i < n) {
    if (!IsDigit(s[i])) {
      ++i;
      continue;
    }
    // Collect the chain of digit groups starting here.
    chain.clear();
    while (true) {
      size_t b = i;
      while (i < n && IsDigit(s[i])) ++i;
      chain.push_back({b, i});
      if (i + 1 < n && IsSeparator(s[i]) && IsDigit(s[i + 1])) {
        ++i;
        continue;
      }
      break;
    }
    for (size_t first = 0; first < chain.size(); ++first) {
      // No card number starts with 0, 1, 7, 8 or 9 (header comment).
      const char lead = s[chain[first].begin];
      if (lead < '2' || lead > '6') continue;
      size_t count = 0;
      for (size_t last = first; last < chain.size(); ++last) {
        count += chain[last].end - chain[last].begin;
        if (count > kMaxDigits) break;
        if (count < kMinDigits) continue;
        size_t k = 0;
        for (size_t g = first; g <= last; ++g) {
          for (size_t p = chain[g].begin; p < chain[g].end; ++p) {
            digits[k] = s[p];
            positions[k] = p;
            ++k;
          }
        }
        if (LuhnValid(std::string_view(digits, k)) &&
            fn(absl::Span<const size_t>(positions, k))) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t k = digits.size(); k-- > 0;) {
    const char c = digits[k];
    if (!IsDigit(c)) return false;
    int d = c - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool ContainsCardNumber(std::string_view s) {
  // Cheap exit for the common case: fewer than 13 digits in all.
  size_t count = 0;
  for (char c : s) count += IsDigit(c) ? 1 : 0;
  if (count < kMinDigits) return false;
  return ScanCardNumbers(s, [](absl::Span<const size_t>) { return true; });
}

std::string MaskCardNumbers(std::string_view s) {
  std::string out(s);
  ScanCardNumbers(s, [&out](absl::Span<const size_t> positions) {
    for (size_t k = 6; k + 4 < positions.size(); ++k) out[positions[k]] = '*';
    return false;
  });
  return out;
}

}  // namespace riskflow::log
