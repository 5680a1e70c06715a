// payout_history.h — what duplicate_payout remembers per payout key: the
// most recent copies (event id and event time), newest last. Remembering
// more than the last copy is what makes a retried request idempotent: after
// p1, p2, a re-delivered p1 is recognised as p1 again instead of being
// reported as a copy of p2. Standard library only (plugin code).
#ifndef RISKFLOW_PLUGINS_DUPLICATE_PAYOUT_PAYOUT_HISTORY_H_
#define RISKFLOW_PLUGINS_DUPLICATE_PAYOUT_PAYOUT_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace riskflow {
namespace duplicate_payout {

struct PayoutCopy {
  std::string event_id;
  int64_t event_time_ms = 0;
};

// Copies kept per key. Bounds the stored value (ids are at most a few
// hundred bytes); a retry of an id older than the last kMaxCopies copies is
// treated as a new copy.
inline constexpr size_t kMaxCopies = 8;

// "\x01" then, per copy, "<time>:<id length>:<id>". The leading control
// byte cannot start an event id (the engine rejects control characters in
// ids), so it tells this format from the 1.0 value, a bare event id.
std::string EncodeCopies(const std::vector<PayoutCopy>& copies);

// The copies in a stored value. A 1.0 value (a bare event id) is one copy at
// stored_time_ms, the time the state recorded with it. A damaged value
// yields no copies: forgetting is safer than annotating on garbage.
std::vector<PayoutCopy> DecodeCopies(std::string_view value,
                                     int64_t stored_time_ms);

}  // namespace duplicate_payout
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_DUPLICATE_PAYOUT_PAYOUT_HISTORY_H_
