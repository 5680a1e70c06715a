#ifndef RISKFLOW_PIPELINE_STATE_KEY_CODEC_H_
#define RISKFLOW_PIPELINE_STATE_KEY_CODEC_H_

// Byte layout of keys and values in the state column family.
//
//   windowed:  id(8, BE) | len(4, BE) | entity | bucket(8, BE, sign flipped)
//   distinct:  ... windowed key ... | member bytes
//   last-seen: id(8, BE) | len(4, BE) | entity
//
// Big-endian id and sign-flipped big-endian bucket make the bytewise order the
// numeric order, so one range scan from a bucket key up to the entity prefix's
// successor reads exactly one entity's buckets, oldest first. The length
// before the entity keeps "ab" and "abc" from sharing a prefix.
//
// Values: counters and sums are 8-byte little-endian int64 (the merge
// operator's format); distinct members have an empty value; last-seen is
// 8-byte little-endian event time followed by the stored bytes.

#include <cstdint>
#include <string>
#include <string_view>

namespace riskflow::state {

inline constexpr size_t kStateIdBytes = 8;
inline constexpr size_t kEntityLenBytes = 4;
inline constexpr size_t kBucketBytes = 8;
inline constexpr size_t kInt64Bytes = 8;

void AppendStateId(uint64_t id, std::string* out);
// id | len | entity: the prefix of every key of one (state, entity).
void AppendEntityPrefix(uint64_t id, std::string_view entity, std::string* out);
void AppendBucket(int64_t bucket, std::string* out);

std::string EntityPrefix(uint64_t id, std::string_view entity);
std::string BucketKey(uint64_t id, std::string_view entity, int64_t bucket);
std::string DistinctKey(uint64_t id, std::string_view entity, int64_t bucket,
                        std::string_view member);
inline std::string LastSeenKey(uint64_t id, std::string_view entity) {
  return EntityPrefix(id, entity);
}

struct DecodedStateKey {
  uint64_t id = 0;
  std::string_view entity;
  std::string_view rest;  // bytes after the entity: bucket [| member]
};
// False if `key` is too short or its entity length overruns the key.
bool DecodeStateKey(std::string_view key, DecodedStateKey* out);
// Splits DecodedStateKey::rest of a windowed key into bucket and member
// (member is empty for counters and sums). False if shorter than a bucket.
bool DecodeBucketSuffix(std::string_view rest, int64_t* bucket,
                        std::string_view* member);

void AppendInt64(int64_t v, std::string* out);  // 8 bytes little-endian
std::string EncodeInt64(int64_t v);
// False unless `in` is exactly 8 bytes.
bool DecodeInt64(std::string_view in, int64_t* v);

void AppendLastSeenValue(int64_t t, std::string_view value, std::string* out);
bool DecodeLastSeenValue(std::string_view in, int64_t* t,
                         std::string_view* value);

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_KEY_CODEC_H_
