// CRC32C (Castagnoli, the iSCSI / ext4 / RocksDB polynomial) of the segment
// log's records. Debian 12 ships no C/C++ CRC32C library (libcrc32c-dev,
// Google's crc32c, only exists from Debian 13 on; Abseil 20220623 predates
// absl/crc), so this is a small implementation of our own: the SSE4.2 crc32
// instruction, three interleaved streams when the CPU has it (the
// instruction's latency is 3 cycles, its throughput 1 per cycle), and a
// slicing-by-8 table otherwise. crc32c_test.cc checks it against the RFC 3720
// vectors and against RocksDB's crc32c on random input.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_CRC32C_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace riskflow::log::segment {

// Extends `crc` (the CRC32C of some bytes A) to the CRC32C of A followed by
// data[0, n). Crc32c(0, ...) starts a new checksum.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(std::string_view data) {
  return Crc32cExtend(0, data.data(), data.size());
}

// Whether the hardware path is in use (for the benchmark's header line).
bool Crc32cIsHardware();

// The portable path, exposed so the test compares both on this machine.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_CRC32C_H_
