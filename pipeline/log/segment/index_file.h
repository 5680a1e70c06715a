// The sparse index of a sealed segment, persisted beside it as
// <first sequence>.idx, so Open reads a small file instead of every record
// of every sealed segment. It is only a cache: it is written when a segment
// is sealed (no fsync: a lost or torn file is detected by its CRC and size
// check and rebuilt by scanning the segment), and any mismatch with the
// segment file makes Open scan that segment instead.
//
// Layout (little endian): "RFSIDX1\0", u64 first_sequence,
// u64 next_sequence, u64 segment_bytes, u64 entry_count,
// entry_count x (u64 sequence, u64 offset), u32 CRC32C of all the above.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_INDEX_FILE_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_INDEX_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::log::segment {

struct SegmentIndex {
  uint64_t first_sequence = 0;
  uint64_t next_sequence = 0;
  uint64_t segment_bytes = 0;
  // (sequence, offset) ascending; the first is (first_sequence, 0) when the
  // segment holds records.
  std::vector<std::pair<uint64_t, uint64_t>> entries;
};

// "<dir>/00000000000000000001.idx" for the segment of that first sequence.
std::string IndexFilePath(const std::string& dir, uint64_t first_sequence);

std::string EncodeSegmentIndex(const SegmentIndex& index);

// Decodes and checks the file's own consistency (magic, CRC, entries in
// order and inside the segment). The caller still compares first_sequence
// and segment_bytes with the segment file.
absl::StatusOr<SegmentIndex> DecodeSegmentIndex(const std::string& data);

// Writes via a temporary file and rename, without fsync (see above).
absl::Status WriteSegmentIndex(const std::string& dir,
                               const SegmentIndex& index);

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_INDEX_FILE_H_
