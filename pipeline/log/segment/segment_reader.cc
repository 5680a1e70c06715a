#include "pipeline/log/segment/segment_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "pipeline/log/segment/crc32c.h"
#include "pipeline/log/segment/segment_format.h"

namespace riskflow::log::segment {
namespace {

constexpr size_t kReadChunk = 1 << 20;

}  // namespace

SegmentReader::SegmentReader(std::string path, uint64_t offset, uint64_t limit,
                             uint32_t max_record_bytes)
    : path_(std::move(path)),
      offset_(offset),
      limit_(limit),
      max_record_bytes_(max_record_bytes) {}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status SegmentReader::Open() {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return ErrnoStatus(errno, absl::StrCat("opening ", path_));
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("stat of ", path_));
  }
  limit_ = std::min<uint64_t>(limit_, static_cast<uint64_t>(st.st_size));
  offset_ = std::min(offset_, limit_);
  ::posix_fadvise(fd_, static_cast<off_t>(offset_), 0, POSIX_FADV_SEQUENTIAL);
  return absl::OkStatus();
}

absl::Status SegmentReader::Fill(size_t n) {
  const size_t have = end_ - pos_;
  if (have >= n) return absl::OkStatus();
  // Keep the unread bytes, at the start of the buffer.
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, have);
    pos_ = 0;
    end_ = have;
  }
  const uint64_t file_left = limit_ - (offset_ + have);
  const size_t want = static_cast<size_t>(
      std::min<uint64_t>(std::max(n, kReadChunk) - have, file_left));
  if (buf_.size() < have + want) buf_.resize(have + want);
  size_t got = 0;
  while (got < want) {
    const ssize_t r =
        ::pread(fd_, buf_.data() + end_, want - got,
                static_cast<off_t>(offset_ + have + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, absl::StrCat("reading ", path_, " at offset ",
                                             offset_ + have + got));
    }
    if (r == 0) break;  // the file shrank under us: treated as its end
    got += static_cast<size_t>(r);
    end_ += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

SegmentReader::Result SegmentReader::Next(std::string_view* payload,
                                          absl::Status* io_status) {
  *io_status = absl::OkStatus();
  record_offset_ = offset_;
  bad_record_bytes_ = 0;
  problem_.clear();
  if (offset_ >= limit_) return Result::kEnd;
  if (auto s = Fill(kRecordHeaderBytes); !s.ok()) {
    *io_status = s;
    problem_ = std::string(s.message());
    return Result::kBad;
  }
  if (end_ - pos_ < kRecordHeaderBytes) {
    problem_ = absl::StrCat("a partial record header (", end_ - pos_,
                            " of ", kRecordHeaderBytes, " bytes)");
    return Result::kBad;
  }
  const uint32_t length = GetU32(buf_.data() + pos_);
  const uint32_t stored_crc = GetU32(buf_.data() + pos_ + 4);
  if (length == 0) {
    problem_ = "a record of length 0 (zeroed bytes; no record is empty)";
    return Result::kBad;
  }
  if (length > max_record_bytes_) {
    problem_ = absl::StrCat("a record length of ", length,
                            " bytes, above the limit of ", max_record_bytes_);
    return Result::kBad;
  }
  bad_record_bytes_ = kRecordHeaderBytes + uint64_t{length};
  if (offset_ + bad_record_bytes_ > limit_) {
    problem_ = absl::StrCat("a partial record: its header claims ", length,
                            " payload bytes, the file holds ",
                            limit_ - offset_ - kRecordHeaderBytes);
    return Result::kBad;
  }
  if (auto s = Fill(kRecordHeaderBytes + length); !s.ok()) {
    *io_status = s;
    problem_ = std::string(s.message());
    return Result::kBad;
  }
  if (end_ - pos_ < kRecordHeaderBytes + length) {
    problem_ = "the file ended inside a record while it was read";
    return Result::kBad;
  }
  const char* data = buf_.data() + pos_ + kRecordHeaderBytes;
  const uint32_t actual_crc = Crc32cExtend(0, data, length);
  if (actual_crc != stored_crc) {
    problem_ = absl::StrCat("a CRC32C mismatch (stored ", stored_crc,
                            ", computed ", actual_crc, ") over ", length,
                            " payload bytes");
    return Result::kBad;
  }
  *payload = std::string_view(data, length);
  pos_ += kRecordHeaderBytes + length;
  offset_ += kRecordHeaderBytes + length;
  return Result::kRecord;
}

}  // namespace riskflow::log::segment
