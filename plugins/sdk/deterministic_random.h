// deterministic_random.h — the seeded random stream behind
// rf_host_api.random_u64.
//
// Detectors must be replayable, so "random" numbers are a pure function of
// (detector name, channel_id, event_id): a replay of the same event through
// the same detector draws the same sequence. The fake host and the real host
// both use this header, so a detector's unit test sees the numbers it will
// see in production.
//
// Seed = FNV-1a 64 over the three fields, each preceded by its length as 8
// little-endian bytes (so ("ab","c") and ("a","bc") differ). The stream is
// splitmix64 from that seed.
#ifndef RISKFLOW_PLUGINS_SDK_DETERMINISTIC_RANDOM_H_
#define RISKFLOW_PLUGINS_SDK_DETERMINISTIC_RANDOM_H_

#include <cstdint>
#include <string_view>

namespace riskflow {
namespace sdk {

inline constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ULL;

inline uint64_t Fnv1a64(std::string_view data, uint64_t hash = kFnv1a64Offset) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= kFnv1a64Prime;
  }
  return hash;
}

// Hashes the length (8 bytes, little-endian) and then the bytes of field.
inline uint64_t Fnv1a64Field(std::string_view field, uint64_t hash) {
  uint64_t len = field.size();
  for (int i = 0; i < 8; ++i) {
    hash ^= static_cast<unsigned char>(len >> (8 * i));
    hash *= kFnv1a64Prime;
  }
  return Fnv1a64(field, hash);
}

inline uint64_t RandomSeed(std::string_view detector,
                           std::string_view channel_id,
                           std::string_view event_id) {
  uint64_t h = kFnv1a64Offset;
  h = Fnv1a64Field(detector, h);
  h = Fnv1a64Field(channel_id, h);
  return Fnv1a64Field(event_id, h);
}

// splitmix64 (Steele, Lea, Flood 2014): tiny, full-period, good enough for
// sampling decisions; not for anything cryptographic.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_DETERMINISTIC_RANDOM_H_
