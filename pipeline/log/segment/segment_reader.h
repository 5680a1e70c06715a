// Sequential reading of one segment file with every record's CRC checked.
// Shared by SegmentLog's open-time scan (which decides what to repair), its
// Scan and its Read.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_READER_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace riskflow::log::segment {

class SegmentReader {
 public:
  enum class Result {
    kRecord,  // *payload / record_offset() describe the next record
    kEnd,     // clean end: the previous record ended exactly at the limit
    kBad,     // bytes at record_offset() are not a whole, valid record;
              // problem() says why
  };

  // Reads `path` from byte `offset` up to byte `limit` (the file's size when
  // it is UINT64_MAX; a reader of the active segment passes the durable
  // size so it never sees a group that is still being written).
  SegmentReader(std::string path, uint64_t offset, uint64_t limit,
                uint32_t max_record_bytes);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Opens the file and learns its size; an I/O error is returned as such.
  absl::Status Open();

  // The next record. The payload view lives until the next call.
  // I/O errors come back through *io_status (Result::kBad with it not ok).
  Result Next(std::string_view* payload, absl::Status* io_status);

  // Where the record just returned (or the bad bytes) start, and where the
  // reader will continue.
  uint64_t record_offset() const { return record_offset_; }
  uint64_t next_offset() const { return offset_; }
  uint64_t limit() const { return limit_; }
  const std::string& problem() const { return problem_; }
  // For a kBad record whose header was whole: the bytes it claimed
  // (header + length), else 0.
  uint64_t bad_record_bytes() const { return bad_record_bytes_; }

 private:
  // Makes buf_ hold at least n bytes from offset_ (fewer at the limit).
  absl::Status Fill(size_t n);

  std::string path_;
  int fd_ = -1;
  uint64_t offset_;
  uint64_t limit_;
  uint32_t max_record_bytes_;
  uint64_t record_offset_ = 0;
  uint64_t bad_record_bytes_ = 0;
  std::string problem_;
  // buf_[pos_, end_) holds the file bytes from offset_ on.
  std::string buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_READER_H_
