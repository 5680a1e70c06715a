#ifndef RISKFLOW_PIPELINE_LOG_LOG_KEYS_H_
#define RISKFLOW_PIPELINE_LOG_LOG_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace riskflow::log {

// Keys and meta entries owned by the event log. Sequence keys (the log CF's
// keys) and fixed-width values: pipeline/storage/key_encoding.h.

// Idempotency key: event ids are unique per channel. The length prefix keeps
// ("ab","c") and ("a","bc") apart.
inline std::string IdempotencyKey(std::string_view channel,
                                  std::string_view event_id) {
  std::string key;
  key.reserve(4 + channel.size() + event_id.size());
  uint32_t n = static_cast<uint32_t>(channel.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  key.append(channel);
  key.append(event_id);
  return key;
}

// Meta keys owned by the log.
inline constexpr char kMetaMaxEventTime[] = "log/max_event_time_ms";

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_LOG_KEYS_H_
