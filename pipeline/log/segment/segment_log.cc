#include "pipeline/log/segment/segment_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
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
namespace {

// pwritev until everything is written (a regular file may take less per
// call). Advances through the iovecs in place.
absl::Status WriteAll(int fd, std::vector<iovec>& iov, uint64_t offset,
                      const std::string& path) {
  size_t first = 0;
  while (first < iov.size()) {
    const int count =
        static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    const ssize_t n = ::pwritev(fd, iov.data() + first, count,
                                static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno,
                         absl::StrCat("writing ", path, " at offset ", offset));
    }
    offset += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return absl::OkStatus();
}

}  // namespace

// One Append call waiting in the queue. Its records are framed (CRC
// included) by the calling thread before it queues, so CRCs of concurrent
// appenders are computed in parallel and the leader only writes.
struct SegmentLog::Writer {
  std::string framed;
  std::vector<uint32_t> record_bytes;  // framed size of each record
  uint64_t first_sequence = 0;
  absl::Status status;
  bool done = false;
};

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

absl::StatusOr<uint64_t> SegmentLog::Append(
    absl::Span<const std::string_view> payloads) {
  auto writer = std::make_unique<Writer>();
  size_t total = 0;
  for (std::string_view p : payloads) {
    if (p.empty()) {
      return absl::InvalidArgumentError(
          "segment log: an empty payload cannot be appended (length 0 marks "
          "zeroed bytes)");
    }
    if (p.size() > options_.max_record_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "segment log: a payload of ", p.size(),
          " bytes is above max_record_bytes ", options_.max_record_bytes));
    }
    total += kRecordHeaderBytes + p.size();
  }
  if (payloads.empty()) {
    return absl::InvalidArgumentError("segment log: nothing to append");
  }
  if (total > options_.max_group_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "segment log: one append of ", total,
        " framed bytes is above max_group_bytes ", options_.max_group_bytes,
        "; split it"));
  }
  writer->framed.reserve(total);
  writer->record_bytes.reserve(payloads.size());
  for (std::string_view p : payloads) {
    AppendRecord(&writer->framed, p);
    writer->record_bytes.push_back(
        static_cast<uint32_t>(kRecordHeaderBytes + p.size()));
  }
  return AppendFramed(std::move(writer));
}

absl::StatusOr<uint64_t> SegmentLog::Append(
    absl::Span<const std::string> payloads) {
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  return Append(absl::MakeConstSpan(views));
}

absl::StatusOr<uint64_t> SegmentLog::AppendFramed(
    std::unique_ptr<Writer> writer) {
  Writer* w = writer.get();
  absl::MutexLock lock(&queue_mu_);
  if (!failed_.ok()) return failed_;
  queue_.push_back(w);
  auto ready = [this, w]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    return w->done || queue_.front() == w;
  };
  queue_mu_.Await(absl::Condition(&ready));
  if (w->done) {
    if (!w->status.ok()) return w->status;
    return w->first_sequence;
  }
  // Leader: take what is queued, up to one group's bytes and what one
  // pwritev call takes.
  std::vector<Writer*> group;
  uint64_t bytes = 0;
  for (Writer* q : queue_) {
    if (!group.empty() &&
        (bytes + q->framed.size() > options_.max_group_bytes ||
         group.size() >= IOV_MAX)) {
      break;
    }
    bytes += q->framed.size();
    group.push_back(q);
  }
  queue_mu_.Unlock();
  const absl::Status status = WriteGroup(group);
  queue_mu_.Lock();
  for (size_t i = 0; i < group.size(); ++i) {
    queue_.front()->status = status;
    queue_.front()->done = true;
    queue_.pop_front();
  }
  if (!status.ok()) {
    failed_ = absl::UnavailableError(absl::StrCat(
        "the segment log failed a write earlier and takes no more appends "
        "until reopened: ",
        status.message()));
    for (Writer* q : queue_) {
      q->status = failed_;
      q->done = true;
    }
    queue_.clear();
    return status;
  }
  return w->first_sequence;
}

absl::Status SegmentLog::SyncDir() {
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", dir_));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, absl::StrCat("syncing ", dir_));
  return absl::OkStatus();
}

absl::Status SegmentLog::TrimActive() {
  if (active_file_bytes_ <= active_bytes_) return absl::OkStatus();
  if (active_fd_ < 0) {
    active_fd_ = ::open(active_path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (active_fd_ < 0) {
      return ErrnoStatus(errno, absl::StrCat("opening ", active_path_));
    }
  }
  // Synced before the next segment exists, so no crash leaves a sealed
  // segment with a zero-filled tail (Open would call that corruption).
  if (::ftruncate(active_fd_, static_cast<off_t>(active_bytes_)) != 0 ||
      ::fsync(active_fd_) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cutting the prepared tail of ",
                                           active_path_));
  }
  active_file_bytes_ = active_bytes_;
  return absl::OkStatus();
}

absl::Status SegmentLog::RollTo(uint64_t first_sequence) {
  if (have_segment_) {
    if (auto s = TrimActive(); !s.ok()) return s;
  }
  if (active_fd_ >= 0) {
    // Without sync the groups were never flushed; a sealed segment is
    // flushed once so retention and readers see a stable file.
    if (!options_.sync && ::fdatasync(active_fd_) != 0) {
      return ErrnoStatus(errno, absl::StrCat("syncing ", active_path_));
    }
    ::close(active_fd_);
    active_fd_ = -1;
  }
  if (options_.persist_index && have_segment_) {
    Segment sealed;
    {
      absl::MutexLock lock(&segments_mu_);
      sealed = segments_.back();
    }
    PersistIndex(sealed);
  }
  const std::string path =
      absl::StrCat(dir_, "/", SegmentFileName(first_sequence));
  // A prepared file when one is ready (never waited for), else an empty one.
  int fd = -1;
  uint64_t file_bytes = 0;
  if (std::optional<std::pair<std::string, uint64_t>> prepared =
          preparer_ != nullptr ? preparer_->Take() : std::nullopt) {
    if (::renameat2(AT_FDCWD, prepared->first.c_str(), AT_FDCWD, path.c_str(),
                    RENAME_NOREPLACE) == 0) {
      fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", path));
      file_bytes = prepared->second;
      next_prepared_bytes_ =
          std::min(2 * next_prepared_bytes_, options_.segment_bytes);
    } else {
      const int err = errno;
      ::unlink(prepared->first.c_str());
      if (err == EEXIST) {
        return ErrnoStatus(EEXIST, absl::StrCat("creating ", path));
      }
    }
  }
  if (fd < 0) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("creating ", path));
  }
  MaybePrepare();
  active_fd_ = fd;
  active_path_ = path;
  active_bytes_ = 0;
  active_file_bytes_ = file_bytes;
  active_prepared_bytes_ = file_bytes;
  active_index_ = IndexBuilder();
  have_segment_ = true;
  // The new file's directory entry must be durable before any of its
  // records is acknowledged.
  if (options_.sync) {
    if (auto s = SyncDir(); !s.ok()) return s;
  }
  Segment seg;
  seg.first_sequence = first_sequence;
  seg.next_sequence = first_sequence;
  seg.path = path;
  absl::MutexLock lock(&segments_mu_);
  segments_.push_back(std::move(seg));
  ++stats_.rolls;
  if (file_bytes > 0) ++stats_.prepared_rolls;
  return absl::OkStatus();
}

void SegmentLog::MaybePrepare() {
  if (preparer_ != nullptr &&
      average_group_bytes_ < options_.prepare_below_group_bytes) {
    preparer_->Prepare(next_prepared_bytes_);
  }
}

absl::Status SegmentLog::WriteGroup(std::vector<Writer*>& group) {
  uint64_t bytes = 0;
  uint64_t records = 0;
  for (const Writer* w : group) {
    bytes += w->framed.size();
    records += w->record_bytes.size();
  }
  const uint64_t roll_at = active_prepared_bytes_ > 0 ? active_prepared_bytes_
                                                     : options_.segment_bytes;
  if (!have_segment_ || (active_bytes_ > 0 && active_bytes_ + bytes > roll_at)) {
    if (auto s = RollTo(next_sequence_); !s.ok()) return s;
  }
  if (active_fd_ < 0) {
    active_fd_ = ::open(active_path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (active_fd_ < 0) {
      return ErrnoStatus(errno, absl::StrCat("opening ", active_path_));
    }
  }
  std::vector<iovec> iov;
  iov.reserve(group.size());
  std::vector<IndexEntry> new_entries;
  uint64_t sequence = next_sequence_;
  uint64_t offset = active_bytes_;
  for (Writer* w : group) {
    w->first_sequence = sequence;
    iov.push_back({w->framed.data(), w->framed.size()});
    for (uint32_t record : w->record_bytes) {
      if (active_index_.Take(options_, sequence, offset)) {
        new_entries.push_back({sequence, offset});
      }
      ++sequence;
      offset += record;
    }
  }
  if (auto s = WriteAll(active_fd_, iov, active_bytes_, active_path_);
      !s.ok()) {
    return s;
  }
  if (options_.sync && ::fdatasync(active_fd_) != 0) {
    return ErrnoStatus(errno, absl::StrCat("fdatasync of ", active_path_));
  }
  next_sequence_ = sequence;
  active_bytes_ = offset;
  active_file_bytes_ = std::max(active_file_bytes_, offset);
  average_group_bytes_ = average_group_bytes_ - average_group_bytes_ / 16 +
                         bytes / 16;
  // Groups became small again (the bulk load is over): prepare the next
  // file now rather than at the roll, which may be far away.
  MaybePrepare();
  {
    absl::MutexLock lock(&segments_mu_);
    Segment& seg = segments_.back();
    seg.bytes = offset;
    seg.next_sequence = sequence;
    seg.index.insert(seg.index.end(), new_entries.begin(), new_entries.end());
    stats_.appends += group.size();
    stats_.groups += 1;
    stats_.records += records;
    stats_.bytes += bytes;
  }
  next_durable_.store(sequence);
  return absl::OkStatus();
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
