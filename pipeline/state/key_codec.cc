#include "pipeline/state/key_codec.h"

#include <cstring>

namespace riskflow::state {
namespace {

void AppendBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

uint64_t ReadBigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

void AppendStateId(uint64_t id, std::string* out) {
  AppendBigEndian(id, kStateIdBytes, out);
}

void AppendEntityPrefix(uint64_t id, std::string_view entity,
                        std::string* out) {
  AppendStateId(id, out);
  AppendBigEndian(static_cast<uint32_t>(entity.size()), kEntityLenBytes, out);
  out->append(entity.data(), entity.size());
}

void AppendBucket(int64_t bucket, std::string* out) {
  // Flipping the sign bit maps int64 order onto unsigned byte order.
  AppendBigEndian(static_cast<uint64_t>(bucket) ^ kSignBit, kBucketBytes, out);
}

std::string EntityPrefix(uint64_t id, std::string_view entity) {
  std::string out;
  out.reserve(kStateIdBytes + kEntityLenBytes + entity.size());
  AppendEntityPrefix(id, entity, &out);
  return out;
}

std::string BucketKey(uint64_t id, std::string_view entity, int64_t bucket) {
  std::string out;
  out.reserve(kStateIdBytes + kEntityLenBytes + entity.size() + kBucketBytes);
  AppendEntityPrefix(id, entity, &out);
  AppendBucket(bucket, &out);
  return out;
}

std::string DistinctKey(uint64_t id, std::string_view entity, int64_t bucket,
                        std::string_view member) {
  std::string out = BucketKey(id, entity, bucket);
  out.append(member.data(), member.size());
  return out;
}

bool DecodeStateKey(std::string_view key, DecodedStateKey* out) {
  if (key.size() < kStateIdBytes + kEntityLenBytes) return false;
  out->id = ReadBigEndian(key.data(), kStateIdBytes);
  uint64_t len = ReadBigEndian(key.data() + kStateIdBytes, kEntityLenBytes);
  size_t head = kStateIdBytes + kEntityLenBytes;
  if (key.size() - head < len) return false;
  out->entity = key.substr(head, len);
  out->rest = key.substr(head + len);
  return true;
}

bool DecodeBucketSuffix(std::string_view rest, int64_t* bucket,
                        std::string_view* member) {
  if (rest.size() < kBucketBytes) return false;
  *bucket =
      static_cast<int64_t>(ReadBigEndian(rest.data(), kBucketBytes) ^ kSignBit);
  *member = rest.substr(kBucketBytes);
  return true;
}

void AppendInt64(int64_t v, std::string* out) {
  uint64_t u = static_cast<uint64_t>(v);
  for (size_t i = 0; i < kInt64Bytes; ++i) {
    out->push_back(static_cast<char>((u >> (8 * i)) & 0xff));
  }
}

std::string EncodeInt64(int64_t v) {
  std::string out;
  AppendInt64(v, &out);
  return out;
}

bool DecodeInt64(std::string_view in, int64_t* v) {
  if (in.size() != kInt64Bytes) return false;
  uint64_t u = 0;
  for (size_t i = 0; i < kInt64Bytes; ++i) {
    u |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  }
  *v = static_cast<int64_t>(u);
  return true;
}

void AppendLastSeenValue(int64_t t, std::string_view value, std::string* out) {
  AppendInt64(t, out);
  out->append(value.data(), value.size());
}

bool DecodeLastSeenValue(std::string_view in, int64_t* t,
                         std::string_view* value) {
  if (in.size() < kInt64Bytes) return false;
  if (!DecodeInt64(in.substr(0, kInt64Bytes), t)) return false;
  *value = in.substr(kInt64Bytes);
  return true;
}

}  // namespace riskflow::state
