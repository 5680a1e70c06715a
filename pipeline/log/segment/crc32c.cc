#include "pipeline/log/segment/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace riskflow::log::segment {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;  // reflected Castagnoli polynomial

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) {
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
      }
    }
  }
};

const Tables& GetTables() {
  static const Tables* tables = new Tables();
  return *tables;
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little endian: x86-64 and every platform we build on
}

#if defined(__x86_64__)
// Multiplies two polynomials mod P in the reflected bit order (bit 31 is the
// x^0 coefficient). Shifting a CRC register over L zero bytes is a multiply
// by x^(8L) mod P, which is how three independent streams are combined. It
// is done bitwise (~100 cycles) once per 3 blocks of kBlock bytes, so it
// costs a few percent on long inputs; records shorter than 3 blocks never
// take that path.
uint32_t Gf2MultiplyModP(uint32_t a, uint32_t b) {
  // Reflected operands: bit 31 is the x^0 coefficient.
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & 0x80000000u) product ^= b;
    a <<= 1;
    b = (b >> 1) ^ ((b & 1) ? kPoly : 0);
  }
  return product;
}

// x^(8n) mod P by square-and-multiply, computed once.
uint32_t XPow8N(size_t n) {
  uint32_t result = 0x80000000u;
  uint32_t power = 0x00800000u;  // x^8
  while (n != 0) {
    if (n & 1) result = Gf2MultiplyModP(result, power);
    power = Gf2MultiplyModP(power, power);
    n >>= 1;
  }
  return result;
}

constexpr size_t kBlock = 1024;  // bytes per stream per round

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc,
                                                          const uint8_t* p,
                                                          size_t n) {
  static const uint32_t kShift = XPow8N(kBlock);
  uint64_t c0 = ~crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c0 = _mm_crc32_u8(static_cast<uint32_t>(c0), *p++);
    --n;
  }
  // Three streams over adjacent blocks hide the instruction's latency.
  while (n >= 3 * kBlock) {
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < kBlock; i += 8) {
      c0 = _mm_crc32_u64(c0, Load64(p + i));
      c1 = _mm_crc32_u64(c1, Load64(p + kBlock + i));
      c2 = _mm_crc32_u64(c2, Load64(p + 2 * kBlock + i));
    }
    // crc(A B C) = shift(shift(c0) ^ c1) ^ c2, shift = times x^(8*kBlock).
    uint32_t combined =
        Gf2MultiplyModP(static_cast<uint32_t>(c0), kShift) ^
        static_cast<uint32_t>(c1);
    combined = Gf2MultiplyModP(combined, kShift) ^ static_cast<uint32_t>(c2);
    c0 = combined;
    p += 3 * kBlock;
    n -= 3 * kBlock;
  }
  while (n >= 8) {
    c0 = _mm_crc32_u64(c0, Load64(p));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c0 = _mm_crc32_u8(static_cast<uint32_t>(c0), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(c0);
}

bool DetectHardware() { return __builtin_cpu_supports("sse4.2"); }
#else
bool DetectHardware() { return false; }
#endif

}  // namespace

uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n) {
  const auto& t = GetTables().t;
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (n >= 8) {
    const uint64_t v = Load64(p) ^ c;
    c = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^
        t[4][(v >> 24) & 0xFF] ^ t[3][(v >> 32) & 0xFF] ^
        t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
    --n;
  }
  return ~c;
}

bool Crc32cIsHardware() {
  static const bool hardware = DetectHardware();
  return hardware;
}

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
  if (Crc32cIsHardware()) {
    return ExtendHardware(crc, static_cast<const uint8_t*>(data), n);
  }
#endif
  return Crc32cExtendPortable(crc, data, n);
}

}  // namespace riskflow::log::segment
