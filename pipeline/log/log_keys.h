#ifndef RISKFLOW_PIPELINE_LOG_LOG_KEYS_H_
#define RISKFLOW_PIPELINE_LOG_LOG_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace riskflow::log {

// Big-endian so RocksDB's bytewise order is sequence order.
inline std::string SequenceKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(seq & 0xff);
    seq >>= 8;
  }
  return key;
}

inline bool DecodeSequenceKey(std::string_view key, uint64_t* seq) {
  if (key.size() != 8) return false;
  uint64_t v = 0;
  for (unsigned char c : key) v = (v << 8) | c;
  *seq = v;
  return true;
}

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

inline void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

inline uint64_t GetFixed64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// Meta keys owned by the log.
inline constexpr char kMetaMaxEventTime[] = "log/max_event_time_ms";

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_LOG_KEYS_H_
