#include "pipeline/storage/key_encoding.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace riskflow::storage {
namespace {

TEST(KeyEncodingTest, SequenceKeysSortBytewiseInSequenceOrder) {
  const uint64_t seqs[] = {0, 1, 255, 256, 65535, 1ull << 32, UINT64_MAX};
  std::string previous;
  for (uint64_t seq : seqs) {
    std::string key = SequenceKey(seq);
    ASSERT_EQ(key.size(), 8u);
    if (seq != 0) EXPECT_LT(previous, key) << seq;
    uint64_t back = 0;
    ASSERT_TRUE(DecodeSequenceKey(key, &back));
    EXPECT_EQ(back, seq);
    previous = key;
  }
  uint64_t unused = 0;
  EXPECT_FALSE(DecodeSequenceKey("1234567", &unused));
  EXPECT_FALSE(DecodeSequenceKey("123456789", &unused));
}

TEST(KeyEncodingTest, Fixed64IsLittleEndian) {
  std::string out;
  PutFixed64(&out, 0x0102030405060708ull);
  EXPECT_EQ(out, std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  EXPECT_EQ(GetFixed64(out), 0x0102030405060708ull);
  out.clear();
  PutFixed64(&out, UINT64_MAX);
  EXPECT_EQ(GetFixed64(out), UINT64_MAX);
}

TEST(KeyEncodingTest, PrefixSuccessor) {
  std::string out;
  ASSERT_TRUE(PrefixSuccessor("ab", &out));
  EXPECT_EQ(out, "ac");
  ASSERT_TRUE(PrefixSuccessor(std::string("a\xff\xff", 3), &out));
  EXPECT_EQ(out, "b");
  EXPECT_FALSE(PrefixSuccessor(std::string("\xff\xff", 2), &out));
}

}  // namespace
}  // namespace riskflow::storage
