// SegmentLog's write side: framing, the group-commit queue, group writes,
// segment rolls, and the syncs that make written groups durable and
// visible (docs/segment-log.md, "Concurrent syncs").
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/log/segment/segment_format.h"
#include "pipeline/log/segment/segment_log.h"

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
  bool durable = true;  // Append: wait for a sync; Write: do not
  absl::Status status;
  bool done = false;
};

absl::StatusOr<std::unique_ptr<SegmentLog::Writer>> SegmentLog::Frame(
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
  return writer;
}

absl::StatusOr<uint64_t> SegmentLog::Append(
    absl::Span<const std::string_view> payloads) {
  absl::StatusOr<std::unique_ptr<Writer>> writer = Frame(payloads);
  if (!writer.ok()) return writer.status();
  return AppendFramed(std::move(*writer), /*durable=*/true);
}

absl::StatusOr<uint64_t> SegmentLog::Append(
    absl::Span<const std::string> payloads) {
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  return Append(absl::MakeConstSpan(views));
}

absl::StatusOr<uint64_t> SegmentLog::Write(
    absl::Span<const std::string_view> payloads) {
  absl::StatusOr<std::unique_ptr<Writer>> writer = Frame(payloads);
  if (!writer.ok()) return writer.status();
  return AppendFramed(std::move(*writer), /*durable=*/false);
}

absl::StatusOr<uint64_t> SegmentLog::Write(
    absl::Span<const std::string> payloads) {
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  return Write(absl::MakeConstSpan(views));
}

absl::StatusOr<uint64_t> SegmentLog::AppendFramed(
    std::unique_ptr<Writer> writer, bool durable) {
  Writer* w = writer.get();
  w->durable = durable;
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
  const bool sync = std::any_of(group.begin(), group.end(),
                                [](const Writer* q) { return q->durable; });
  queue_mu_.Unlock();
  absl::Status status = WriteGroup(group);
  if (status.ok() && sync) status = Sync().status();
  if (!status.ok()) Fail(status);
  queue_mu_.Lock();
  for (size_t i = 0; i < group.size(); ++i) {
    queue_.front()->status = status;
    queue_.front()->done = true;
    queue_.pop_front();
  }
  if (!status.ok()) {
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
    // Every group of the segment being sealed is made durable (and
    // visible) first: a sync of the next file would not cover them, and
    // its index file is written from the durable view.
    if (options_.sync) {
      if (auto synced = Sync(); !synced.ok()) return synced.status();
    }
    if (auto s = TrimActive(); !s.ok()) return s;
  }
  active_sync_files_ = false;
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
  if (!have_segment_ ||
      (active_bytes_ > 0 && active_bytes_ + bytes > roll_at)) {
    if (auto s = RollTo(next_sequence_); !s.ok()) return s;
  }
  if (active_fd_ < 0) {
    active_fd_ = ::open(active_path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (active_fd_ < 0) {
      return ErrnoStatus(errno, absl::StrCat("opening ", active_path_));
    }
  }
  if (options_.sync && !active_sync_files_) {
    if (auto s = OpenSyncFiles(); !s.ok()) return s;
    active_sync_files_ = true;
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
  next_sequence_ = sequence;
  active_bytes_ = offset;
  active_file_bytes_ = std::max(active_file_bytes_, offset);
  average_group_bytes_ = average_group_bytes_ - average_group_bytes_ / 16 +
                         bytes / 16;
  // Groups became small again (the bulk load is over): prepare the next
  // file now rather than at the roll, which may be far away.
  MaybePrepare();
  absl::MutexLock lock(&segments_mu_);
  unsynced_.push_back({sequence, offset, std::move(new_entries)});
  written_next_ = sequence;
  stats_.appends += group.size();
  stats_.groups += 1;
  stats_.records += records;
  stats_.bytes += bytes;
  // Without sync a written group is as durable as it will get.
  if (!options_.sync) Publish(sequence);
  return absl::OkStatus();
}

absl::Status SegmentLog::OpenSyncFiles() {
  auto files = std::make_shared<SyncFiles>();
  files->path = active_path_;
  for (int& fd : files->fds) {
    // On failure the destructor closes the ones already open.
    fd = ::open(active_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return ErrnoStatus(errno, absl::StrCat("opening ", active_path_,
                                             " for syncing"));
    }
  }
  absl::MutexLock lock(&segments_mu_);
  sync_files_ = std::move(files);
  return absl::OkStatus();
}

SegmentLog::SyncFiles::~SyncFiles() {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

absl::StatusOr<uint64_t> SegmentLog::Sync() {
  std::shared_ptr<SyncFiles> files;
  uint64_t target = 0;
  int slot = -1;
  {
    absl::MutexLock lock(&segments_mu_);
    auto free_slot = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(segments_mu_) {
      return static_cast<int>(
          std::find(std::begin(slot_busy_), std::end(slot_busy_), false) -
          std::begin(slot_busy_));
    };
    auto slot_free = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(segments_mu_) {
      return free_slot() < kSyncSlots;
    };
    segments_mu_.Await(absl::Condition(&slot_free));
    if (!sync_failed_.ok()) return sync_failed_;
    // Read after the wait: a sync started now covers what is written now.
    target = written_next_;
    if (target <= next_durable_.load() || sync_files_ == nullptr) {
      return next_durable_.load();
    }
    slot = free_slot();
    slot_busy_[slot] = true;
    files = sync_files_;
  }
  const int rc = ::fdatasync(files->fds[slot]);
  const int err = errno;
  absl::Status failed;
  {
    absl::MutexLock lock(&segments_mu_);
    slot_busy_[slot] = false;
    if (rc != 0 && sync_failed_.ok()) {
      sync_failed_ = ErrnoStatus(err, absl::StrCat("fdatasync of ",
                                                   files->path));
    }
    if (!sync_failed_.ok()) {
      failed = sync_failed_;
    } else {
      ++stats_.syncs;
      // Every group written before the fdatasync began is durable now,
      // whatever the syncs still in flight will report.
      Publish(target);
      return next_durable_.load();
    }
  }
  Fail(failed);
  return failed;
}

void SegmentLog::Publish(uint64_t next_sequence) {
  while (!unsynced_.empty() &&
         unsynced_.front().next_sequence <= next_sequence) {
    Unsynced& group = unsynced_.front();
    Segment& seg = segments_.back();
    seg.bytes = group.bytes;
    seg.next_sequence = group.next_sequence;
    seg.index.insert(seg.index.end(), group.index.begin(), group.index.end());
    next_durable_.store(group.next_sequence);
    unsynced_.pop_front();
  }
}

absl::Status SegmentLog::FailedStatus(const absl::Status& cause) {
  return absl::UnavailableError(absl::StrCat(
      "the segment log failed a write or sync earlier and takes no more "
      "appends until reopened: ",
      cause.message()));
}

void SegmentLog::Fail(const absl::Status& status) {
  {
    absl::MutexLock lock(&segments_mu_);
    if (sync_failed_.ok()) sync_failed_ = status;
  }
  absl::MutexLock lock(&queue_mu_);
  if (failed_.ok()) failed_ = FailedStatus(status);
}

}  // namespace riskflow::log::segment
