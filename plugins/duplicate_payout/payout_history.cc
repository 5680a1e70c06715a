#include "plugins/duplicate_payout/payout_history.h"

#include <charconv>
#include <system_error>
#include <utility>

namespace riskflow {
namespace duplicate_payout {
namespace {

constexpr char kFormatMarker = '\x01';

// Reads an integer up to `stop` from *in and consumes both.
bool ReadNumber(std::string_view* in, char stop, int64_t* out) {
  size_t end = in->find(stop);
  if (end == std::string_view::npos || end == 0) return false;
  auto [ptr, ec] = std::from_chars(in->data(), in->data() + end, *out);
  if (ec != std::errc() || ptr != in->data() + end) return false;
  in->remove_prefix(end + 1);
  return true;
}

}  // namespace

std::string EncodeCopies(const std::vector<PayoutCopy>& copies) {
  std::string out(1, kFormatMarker);
  for (const PayoutCopy& c : copies) {
    out += std::to_string(c.event_time_ms);
    out += ':';
    out += std::to_string(c.event_id.size());
    out += ':';
    out += c.event_id;
  }
  return out;
}

std::vector<PayoutCopy> DecodeCopies(std::string_view value,
                                     int64_t stored_time_ms) {
  if (value.empty() || value.front() != kFormatMarker) {
    return {PayoutCopy{std::string(value), stored_time_ms}};
  }
  value.remove_prefix(1);
  std::vector<PayoutCopy> copies;
  while (!value.empty()) {
    PayoutCopy c;
    int64_t length = 0;
    if (!ReadNumber(&value, ':', &c.event_time_ms) ||
        !ReadNumber(&value, ':', &length) || length < 0 ||
        static_cast<uint64_t>(length) > value.size()) {
      return {};
    }
    c.event_id = std::string(value.substr(0, length));
    value.remove_prefix(length);
    copies.push_back(std::move(c));
  }
  return copies;
}

}  // namespace duplicate_payout
}  // namespace riskflow
