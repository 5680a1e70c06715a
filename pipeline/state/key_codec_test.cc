#include "pipeline/state/key_codec.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::state {
namespace {

constexpr uint64_t kId = 0x0102030405060708ull;

TEST(KeyCodecTest, BucketOrderIsNumericOrder) {
  const std::vector<int64_t> buckets = {std::numeric_limits<int64_t>::min(),
                                        -1000000,
                                        -2,
                                        -1,
                                        0,
                                        1,
                                        2,
                                        255,
                                        256,
                                        1000000,
                                        std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < buckets.size(); ++i) {
    EXPECT_LT(BucketKey(kId, "acct", buckets[i]),
              BucketKey(kId, "acct", buckets[i + 1]))
        << buckets[i] << " vs " << buckets[i + 1];
  }
}

TEST(KeyCodecTest, RoundTrip) {
  std::string key = DistinctKey(kId, "acct-7", -42, "device\x01\xff");
  DecodedStateKey d;
  ASSERT_TRUE(DecodeStateKey(key, &d));
  EXPECT_EQ(d.id, kId);
  EXPECT_EQ(d.entity, "acct-7");
  int64_t bucket = 0;
  std::string_view member;
  ASSERT_TRUE(DecodeBucketSuffix(d.rest, &bucket, &member));
  EXPECT_EQ(bucket, -42);
  EXPECT_EQ(member, "device\x01\xff");

  ASSERT_TRUE(DecodeStateKey(LastSeenKey(kId, ""), &d));
  EXPECT_EQ(d.entity, "");
  EXPECT_TRUE(d.rest.empty());
}

TEST(KeyCodecTest, RejectsTruncatedKeys) {
  DecodedStateKey d;
  EXPECT_FALSE(DecodeStateKey("short", &d));
  std::string key = EntityPrefix(kId, "abcdef");
  EXPECT_FALSE(DecodeStateKey(key.substr(0, key.size() - 1), &d));
  int64_t bucket;
  std::string_view member;
  EXPECT_FALSE(DecodeBucketSuffix("1234567", &bucket, &member));
}

TEST(KeyCodecTest, EntityPrefixesDoNotBleed) {
  // "ab"'s keys must not fall inside "abc"'s prefix range and vice versa,
  // whatever the bucket bytes look like.
  const std::string ab = EntityPrefix(kId, "ab");
  const std::string abc = EntityPrefix(kId, "abc");
  for (int64_t b :
       {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
        int64_t{0x63}, std::numeric_limits<int64_t>::max()}) {
    std::string k_ab = BucketKey(kId, "ab", b);
    std::string k_abc = BucketKey(kId, "abc", b);
    EXPECT_NE(k_ab.compare(0, abc.size(), abc), 0);
    EXPECT_NE(k_abc.compare(0, ab.size(), ab), 0);
    std::string succ;
    ASSERT_TRUE(storage::PrefixSuccessor(ab, &succ));
    EXPECT_GE(k_ab, ab);
    EXPECT_LT(k_ab, succ);
    EXPECT_TRUE(k_abc < ab || k_abc >= succ);
  }
  // Same entity, different state ids, stay apart too.
  EXPECT_NE(EntityPrefix(1, "x"), EntityPrefix(2, "x"));
}

TEST(KeyCodecTest, Int64AndLastSeenValues) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1},
                    std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    int64_t back = 7;
    ASSERT_TRUE(DecodeInt64(EncodeInt64(v), &back));
    EXPECT_EQ(back, v);
  }
  EXPECT_EQ(EncodeInt64(1), std::string("\x01\0\0\0\0\0\0\0", 8));
  int64_t v;
  EXPECT_FALSE(DecodeInt64("1234567", &v));
  EXPECT_FALSE(DecodeInt64("123456789", &v));

  std::string lv;
  AppendLastSeenValue(-5, "FR", &lv);
  int64_t t = 0;
  std::string_view payload;
  ASSERT_TRUE(DecodeLastSeenValue(lv, &t, &payload));
  EXPECT_EQ(t, -5);
  EXPECT_EQ(payload, "FR");
  EXPECT_FALSE(DecodeLastSeenValue("1234", &t, &payload));
}

}  // namespace
}  // namespace riskflow::state
