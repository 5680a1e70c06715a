#include "pipeline/log/segment/crc32c.h"

#include <cstdint>
#include <random>
#include <string>

#include "gtest/gtest.h"

// RocksDB's CRC32C (util/crc32c.h is not an installed header, the symbol is
// exported): an independent implementation to compare against.
namespace rocksdb::crc32c {
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
}  // namespace rocksdb::crc32c

namespace riskflow::log::segment {
namespace {

// RFC 3720 (iSCSI), appendix B.4, and the usual check value.
TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) {
    up.push_back(static_cast<char>(i));
    down.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(down), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32cExtendPortable(0, "123456789", 9), 0xE3069283u);
}

// Lengths around the hardware path's 3 x 1024-byte rounds, unaligned starts,
// and split points, against the portable path and RocksDB.
TEST(Crc32cTest, MatchesPortableAndRocksDbOnRandomInput) {
  std::mt19937_64 rng(7);
  std::string data(20000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const size_t lengths[] = {0,    1,    7,    8,    9,    63,   100,
                            1023, 3071, 3072, 3073, 6144, 9999, 19990};
  for (size_t start = 0; start < 9; ++start) {
    for (size_t n : lengths) {
      const char* p = data.data() + start;
      const uint32_t hw = Crc32cExtend(0, p, n);
      EXPECT_EQ(hw, Crc32cExtendPortable(0, p, n)) << start << "+" << n;
      EXPECT_EQ(hw, rocksdb::crc32c::Extend(0, p, n)) << start << "+" << n;
      const size_t split = n / 3;
      EXPECT_EQ(hw, Crc32cExtend(Crc32cExtend(0, p, split), p + split,
                                 n - split))
          << start << "+" << n;
    }
  }
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  std::string data(200, 'x');
  const uint32_t crc = Crc32c(data);
  for (size_t i = 0; i < data.size() * 8; ++i) {
    std::string flipped = data;
    flipped[i / 8] = static_cast<char>(flipped[i / 8] ^ (1 << (i % 8)));
    EXPECT_NE(Crc32c(flipped), crc) << "bit " << i;
  }
}

}  // namespace
}  // namespace riskflow::log::segment
