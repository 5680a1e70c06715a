// The on-disk format of the segment log (docs/segment-log.md).
//
// A segment file holds records back to back, nothing else:
//   [u32 payload length][u32 CRC32C of the payload][payload]   (little endian)
// Records carry no sequence: a segment is named by the sequence of its first
// record (00000000000000000001.seg) and sequences are dense, so the n-th
// record of a segment has sequence name + n. A zero length is never written
// (Append refuses empty payloads), so a zero-filled tail, which is what a
// file system may show after a crash past the synced size, never parses as a
// record.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_FORMAT_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_FORMAT_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pipeline/log/segment/crc32c.h"

namespace riskflow::log::segment {

inline constexpr size_t kRecordHeaderBytes = 8;
inline constexpr std::string_view kSegmentSuffix = ".seg";

inline void PutU32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

inline uint32_t GetU32(const char* src) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(src[i])) << (8 * i);
  }
  return v;
}

// Appends one framed record to *out.
inline void AppendRecord(std::string* out, std::string_view payload) {
  char header[kRecordHeaderBytes];
  PutU32(header, static_cast<uint32_t>(payload.size()));
  PutU32(header + 4, Crc32c(payload));
  out->append(header, kRecordHeaderBytes);
  out->append(payload.data(), payload.size());
}

// "00000000000000000001.seg": 20 digits hold any uint64 and sort by name.
std::string SegmentFileName(uint64_t first_sequence);

// The first sequence a segment file name stands for, or nullopt when the
// name is not a segment's (other files in the directory are left alone).
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

// UNAVAILABLE naming what failed and the system's reason (file I/O).
absl::Status ErrnoStatus(int err, const std::string& what);

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_FORMAT_H_
