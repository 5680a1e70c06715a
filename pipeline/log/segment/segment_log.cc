#include "pipeline/log/segment/segment_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/log/segment/index_file.h"
#include "pipeline/log/segment/segment_format.h"
#include "pipeline/log/segment/segment_reader.h"

namespace riskflow::log::segment {

bool SegmentLog::IndexBuilder::Take(const SegmentLogOptions& options,
                                    uint64_t sequence, uint64_t offset) {
  if (any && sequence - last_sequence < options.index_every_records &&
      offset - last_offset < options.index_every_bytes) {
    return false;
  }
  any = true;
  last_sequence = sequence;
  last_offset = offset;
  return true;
}

SegmentLog::SegmentLog(std::string dir, SegmentLogOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

SegmentLog::~SegmentLog() {
  preparer_.reset();
  if (active_fd_ >= 0) ::close(active_fd_);
}

void SegmentLog::Log(const std::string& line) {
  if (options_.log_line) {
    options_.log_line(line);
  } else {
    std::fprintf(stderr, "segment log: %s\n", line.c_str());
  }
}

absl::StatusOr<std::unique_ptr<SegmentLog>> SegmentLog::Open(
    std::string dir, SegmentLogOptions options) {
  if (options.max_group_bytes == 0 || options.segment_bytes == 0 ||
      options.index_every_records == 0 || options.max_record_bytes == 0) {
    return absl::InvalidArgumentError(
        "segment log options: segment_bytes, max_group_bytes, "
        "index_every_records and max_record_bytes must be > 0");
  }
  std::unique_ptr<SegmentLog> log(
      new SegmentLog(std::move(dir), std::move(options)));
  if (auto s = log->Load(); !s.ok()) return s;
  if (log->options_.sync && log->options_.prepare_segments) {
    log->preparer_ = std::make_unique<SegmentPreparer>(
        log->dir_,
        [raw = log.get()](const std::string& line) { raw->Log(line); });
    log->next_prepared_bytes_ = std::min(log->options_.first_prepared_bytes,
                                         log->options_.segment_bytes);
    log->preparer_->Prepare(log->next_prepared_bytes_);
    // Appends start in a prepared file at once: a fresh log, or one whose
    // last segment was created empty, rolls now into the first (small)
    // prepared file, which Open waits for. A last segment that is empty
    // keeps its name: it is appended to as before.
    bool last_has_records;
    {
      absl::MutexLock lock(&log->segments_mu_);
      last_has_records =
          !log->segments_.empty() && log->segments_.back().next_sequence >
                                         log->segments_.back().first_sequence;
    }
    if (log->active_prepared_bytes_ == 0 &&
        (!log->have_segment_ || last_has_records)) {
      log->preparer_->WaitIdle();
      if (auto s = log->RollTo(log->next_sequence_); !s.ok()) return s;
    }
  }
  return log;
}

absl::StatusOr<std::optional<std::string>> SegmentLog::Read(
    uint64_t sequence) {
  std::string path;
  IndexEntry start{0, 0};
  uint64_t limit = 0;
  {
    absl::MutexLock lock(&segments_mu_);
    auto it = std::upper_bound(
        segments_.begin(), segments_.end(), sequence,
        [](uint64_t s, const Segment& seg) { return s < seg.first_sequence; });
    if (it == segments_.begin()) return std::nullopt;
    const Segment& seg = *(it - 1);
    if (sequence >= seg.next_sequence || seg.index.empty()) {
      return std::nullopt;
    }
    auto entry = std::upper_bound(
        seg.index.begin(), seg.index.end(), sequence,
        [](uint64_t s, const IndexEntry& e) { return s < e.sequence; });
    start = *(entry - 1);
    path = seg.path;
    limit = seg.bytes;
  }
  SegmentReader reader(path, start.offset, limit, options_.max_record_bytes);
  if (auto s = reader.Open(); !s.ok()) {
    return absl::NotFoundError(absl::StrCat(
        "reading sequence ", sequence, ": ", s.message(),
        " (deleted by retention meanwhile?)"));
  }
  std::string_view payload;
  absl::Status io;
  for (uint64_t seq = start.sequence;; ++seq) {
    const SegmentReader::Result r = reader.Next(&payload, &io);
    if (r != SegmentReader::Result::kRecord) {
      if (!io.ok()) return io;
      return absl::DataLossError(absl::StrCat(
          "segment ", path, " is corrupt at offset ", reader.record_offset(),
          " (the record for sequence ", seq, "): ",
          r == SegmentReader::Result::kEnd ? "the segment ended early"
                                           : reader.problem()));
    }
    if (seq == sequence) return std::string(payload);
  }
}

absl::Status SegmentLog::Scan(
    uint64_t from,
    const std::function<bool(uint64_t, std::string_view)>& fn) {
  struct Part {
    std::string path;
    uint64_t first_sequence;  // of the first record to read
    uint64_t offset;
    uint64_t next_sequence;
    uint64_t bytes;
  };
  std::vector<Part> parts;
  {
    absl::MutexLock lock(&segments_mu_);
    const uint64_t first =
        segments_.empty() ? next_durable_.load() : segments_.front().first_sequence;
    if (from < first) {
      return absl::OutOfRangeError(absl::StrCat(
          "scan from sequence ", from, ": the log starts at sequence ", first,
          " (earlier segments were deleted by retention)"));
    }
    for (const Segment& seg : segments_) {
      if (seg.next_sequence <= from || seg.index.empty()) continue;
      IndexEntry start = seg.index.front();
      if (from > seg.first_sequence) {
        auto entry = std::upper_bound(
            seg.index.begin(), seg.index.end(), from,
            [](uint64_t s, const IndexEntry& e) { return s < e.sequence; });
        start = *(entry - 1);
      }
      parts.push_back(
          {seg.path, start.sequence, start.offset, seg.next_sequence, seg.bytes});
    }
  }
  std::string_view payload;
  absl::Status io;
  for (const Part& part : parts) {
    SegmentReader reader(part.path, part.offset, part.bytes,
                         options_.max_record_bytes);
    if (auto s = reader.Open(); !s.ok()) {
      return absl::OutOfRangeError(absl::StrCat(
          "scan: ", s.message(), " (deleted by retention during the scan)"));
    }
    for (uint64_t seq = part.first_sequence; seq < part.next_sequence; ++seq) {
      const SegmentReader::Result r = reader.Next(&payload, &io);
      if (r != SegmentReader::Result::kRecord) {
        if (!io.ok()) return io;
        return absl::DataLossError(absl::StrCat(
            "segment ", part.path, " is corrupt at offset ",
            reader.record_offset(), " (the record for sequence ", seq, "): ",
            r == SegmentReader::Result::kEnd ? "the segment ended early"
                                             : reader.problem()));
      }
      if (seq < from) continue;
      if (!fn(seq, payload)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RetentionResult> SegmentLog::EnforceRetention(
    const RetentionPolicy& policy, uint64_t keep_from_sequence,
    absl::Time now) {
  RetentionResult result;
  std::vector<std::string> lines;
  {
    absl::MutexLock lock(&segments_mu_);
    uint64_t total = 0;
    for (const Segment& seg : segments_) total += seg.bytes;
    while (segments_.size() > 1) {
      const Segment& seg = segments_.front();
      // It holds sequences [first, next); keep it if any is >= the floor.
      if (seg.next_sequence > keep_from_sequence) break;
      const bool over_size =
          policy.max_total_bytes.has_value() && total > *policy.max_total_bytes;
      bool too_old = false;
      if (policy.max_age.has_value()) {
        struct stat st;
        if (::stat(seg.path.c_str(), &st) != 0) {
          return ErrnoStatus(errno, absl::StrCat("stat of ", seg.path));
        }
        const absl::Time written = absl::TimeFromTimespec(st.st_mtim);
        too_old = now - written > *policy.max_age;
      }
      if (!over_size && !too_old) break;
      // The index first: a segment without one is fine, not the reverse.
      const std::string index_path = IndexFilePath(dir_, seg.first_sequence);
      if (::unlink(index_path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoStatus(errno, absl::StrCat("deleting ", index_path));
      }
      if (::unlink(seg.path.c_str()) != 0) {
        return ErrnoStatus(errno, absl::StrCat("deleting ", seg.path));
      }
      lines.push_back(absl::StrCat(
          "retention deleted ", seg.path, " (sequences ", seg.first_sequence,
          "..", seg.next_sequence - 1, ", ", seg.bytes, " bytes, ",
          over_size ? "over the size limit" : "older than the age limit",
          ")"));
      total -= seg.bytes;
      result.bytes_deleted += seg.bytes;
      ++result.segments_deleted;
      segments_.erase(segments_.begin());
    }
    result.first_sequence = segments_.empty() ? next_durable_.load()
                                              : segments_.front().first_sequence;
  }
  for (const std::string& line : lines) Log(line);
  if (result.segments_deleted > 0) {
    if (auto s = SyncDir(); !s.ok()) return s;
  }
  return result;
}

uint64_t SegmentLog::first_sequence() {
  absl::MutexLock lock(&segments_mu_);
  return segments_.empty() ? next_durable_.load()
                           : segments_.front().first_sequence;
}

uint64_t SegmentLog::total_bytes() {
  absl::MutexLock lock(&segments_mu_);
  uint64_t total = 0;
  for (const Segment& seg : segments_) total += seg.bytes;
  return total;
}

size_t SegmentLog::segment_count() {
  absl::MutexLock lock(&segments_mu_);
  return segments_.size();
}

SegmentLogStats SegmentLog::stats() {
  absl::MutexLock lock(&segments_mu_);
  return stats_;
}

}  // namespace riskflow::log::segment
