#ifndef RISKFLOW_PIPELINE_STORAGE_KEY_ENCODING_H_
#define RISKFLOW_PIPELINE_STORAGE_KEY_ENCODING_H_

// Byte encodings shared by every column family's keys and values. What one
// column family's keys mean stays with its owner (state keys:
// pipeline/state/key_codec.h; idempotency keys: pipeline/log/log_keys.h).

#include <cstdint>
#include <string>
#include <string_view>

namespace riskflow::storage {

// Big-endian so RocksDB's bytewise order is sequence order (log, outbox and
// decision keys).
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

// 8 bytes little-endian, for values.
inline void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

inline uint64_t GetFixed64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// The smallest string greater than every string starting with `prefix`, for
// iterate_upper_bound. False if there is none (prefix is all 0xff).
bool PrefixSuccessor(std::string_view prefix, std::string* out);

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_KEY_ENCODING_H_
