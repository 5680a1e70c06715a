// Opening a segment log: listing its segments, loading (or rebuilding) each
// segment's sparse index, and repairing a torn tail of the last segment.
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

// One past the last non-zero byte of `path` in [from, limit), or `from`
// when they are all zero. Read backwards in blocks: a prepared file's
// zeros are usually most of it, and a torn write sits right after `from`.
absl::StatusOr<uint64_t> EndOfNonZeroBytes(const std::string& path,
                                           uint64_t from, uint64_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", path));
  std::string buf(1 << 20, '\0');
  uint64_t end = limit;
  uint64_t found = from;
  while (end > from) {
    const uint64_t begin = end - std::min<uint64_t>(buf.size(), end - from);
    const size_t want = static_cast<size_t>(end - begin);
    size_t got = 0;
    while (got < want) {
      const ssize_t r = ::pread(fd, buf.data() + got, want - got,
                                static_cast<off_t>(begin + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        const int err = errno;
        ::close(fd);
        return ErrnoStatus(err, absl::StrCat("reading ", path));
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    size_t i = got;
    while (i > 0 && buf[i - 1] == '\0') --i;
    if (i > 0) {
      found = begin + i;
      break;
    }
    end = begin;
  }
  ::close(fd);
  return found;
}

}  // namespace

absl::Status SegmentLog::Load() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("creating the segment log directory ", dir_, ": ",
                     ec.message()));
  }
  std::vector<uint64_t> firsts;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) {
    return ErrnoStatus(errno, absl::StrCat("listing ", dir_));
  }
  while (struct dirent* entry = ::readdir(d)) {
    if (auto first = ParseSegmentFileName(entry->d_name)) {
      firsts.push_back(*first);
    }
  }
  ::closedir(d);
  std::sort(firsts.begin(), firsts.end());

  std::vector<Segment> segments(firsts.size());
  for (size_t i = 0; i < firsts.size(); ++i) {
    Segment& seg = segments[i];
    seg.first_sequence = firsts[i];
    seg.path = absl::StrCat(dir_, "/", SegmentFileName(firsts[i]));
    if (firsts[i] == 0) {
      return absl::DataLossError(absl::StrCat(
          "segment ", seg.path, " is named for sequence 0; sequences start "
          "at 1"));
    }
    if (auto s = LoadSegment(&seg, i + 1 == firsts.size()); !s.ok()) return s;
    if (i > 0 && segments[i - 1].next_sequence != seg.first_sequence) {
      return absl::DataLossError(absl::StrCat(
          "segment ", seg.path, " starts at sequence ", seg.first_sequence,
          " but the segment before it (", segments[i - 1].path,
          ") ends before sequence ", segments[i - 1].next_sequence,
          ": records are missing or overlap"));
    }
    open_report_.records += seg.next_sequence - seg.first_sequence;
  }
  open_report_.segments = segments.size();

  if (!segments.empty()) {
    const Segment& last = segments.back();
    have_segment_ = true;
    active_path_ = last.path;
    active_bytes_ = last.bytes;
    next_sequence_ = last.next_sequence;
    if (!last.index.empty()) {
      active_index_.any = true;
      active_index_.last_sequence = last.index.back().sequence;
      active_index_.last_offset = last.index.back().offset;
    }
  }
  next_durable_.store(next_sequence_);
  absl::MutexLock lock(&segments_mu_);
  written_next_ = next_sequence_;
  segments_ = std::move(segments);
  return absl::OkStatus();
}

bool SegmentLog::LoadIndexFile(Segment* seg) {
  const std::string path = IndexFilePath(dir_, seg->first_sequence);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // never written (crash before it) or deleted
  std::string data;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  struct stat st;
  if (n < 0 || ::stat(seg->path.c_str(), &st) != 0) return false;
  absl::StatusOr<SegmentIndex> index = DecodeSegmentIndex(data);
  if (!index.ok() || index->first_sequence != seg->first_sequence ||
      index->segment_bytes != static_cast<uint64_t>(st.st_size)) {
    Log(absl::StrCat("ignoring ", path, " (",
                     index.ok() ? "it does not match its segment's size"
                                : std::string(index.status().message()),
                     "); scanning the segment instead"));
    return false;
  }
  seg->bytes = index->segment_bytes;
  seg->next_sequence = index->next_sequence;
  seg->index.reserve(index->entries.size());
  for (const auto& [sequence, offset] : index->entries) {
    seg->index.push_back({sequence, offset});
  }
  return true;
}

void SegmentLog::PersistIndex(const Segment& seg) {
  SegmentIndex index;
  index.first_sequence = seg.first_sequence;
  index.next_sequence = seg.next_sequence;
  index.segment_bytes = seg.bytes;
  for (const IndexEntry& e : seg.index) {
    index.entries.emplace_back(e.sequence, e.offset);
  }
  // Only a cache: a failure costs a scan at the next open.
  if (auto s = WriteSegmentIndex(dir_, index); !s.ok()) {
    Log(absl::StrCat("could not write the index of ", seg.path, ": ",
                     s.message()));
  }
}

absl::Status SegmentLog::LoadSegment(Segment* seg, bool last) {
  if (!last && options_.persist_index && LoadIndexFile(seg)) {
    ++open_report_.index_files_used;
    return absl::OkStatus();
  }
  ++open_report_.segments_scanned;
  SegmentReader reader(seg->path, 0, UINT64_MAX, options_.max_record_bytes);
  if (auto s = reader.Open(); !s.ok()) return s;
  IndexBuilder builder;
  uint64_t sequence = seg->first_sequence;
  std::string_view payload;
  absl::Status io;
  while (true) {
    const SegmentReader::Result r = reader.Next(&payload, &io);
    if (r == SegmentReader::Result::kEnd) break;
    if (r == SegmentReader::Result::kRecord) {
      if (builder.Take(options_, sequence, reader.record_offset())) {
        seg->index.push_back({sequence, reader.record_offset()});
      }
      ++sequence;
      continue;
    }
    if (!io.ok()) return io;
    const uint64_t offset = reader.record_offset();
    const uint64_t tail = reader.limit() - offset;
    // A prepared segment (segment_preparer.h) ends in zeros up to its full
    // size: only the bytes up to the last non-zero one can be a torn write.
    uint64_t written_tail = tail;
    if (last) {
      absl::StatusOr<uint64_t> end =
          EndOfNonZeroBytes(seg->path, offset, reader.limit());
      if (!end.ok()) return end.status();
      written_tail = *end - offset;
    }
    if (last && written_tail == 0) {
      // Only zeros after the last record: the rest of a prepared file (or
      // a size that outran its data at a crash). Kept, so appends go on
      // overwriting it, and the segment rolls when it is full.
      seg->bytes = offset;
      seg->next_sequence = sequence;
      active_file_bytes_ = reader.limit();
      active_prepared_bytes_ = reader.limit();
      return absl::OkStatus();
    }
    if (!last || written_tail > options_.max_group_bytes) {
      return absl::DataLossError(absl::StrCat(
          "segment ", seg->path, " is corrupt at offset ", offset,
          " (the record for sequence ", sequence, "): ", reader.problem(),
          last ? absl::StrCat("; ", written_tail,
                              " written bytes follow it, more than one group "
                              "write "
                              "(max_group_bytes ",
                              options_.max_group_bytes,
                              "), so this is not a torn tail")
               : "; it is not the last segment, so this is not a torn tail",
          ". Nothing was repaired"));
    }
    // A torn tail: the last group write did not complete before a crash.
    // Its records were never acknowledged (Append returns after the sync).
    const int fd = ::open(seg->path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return ErrnoStatus(errno, absl::StrCat("opening ", seg->path,
                                             " to repair its torn tail"));
    }
    int rc = ::ftruncate(fd, static_cast<off_t>(offset));
    if (rc == 0) rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
      return ErrnoStatus(err, absl::StrCat("truncating ", seg->path,
                                           " at offset ", offset));
    }
    open_report_.truncated_tail = true;
    open_report_.truncated_file = seg->path;
    open_report_.truncated_offset = offset;
    open_report_.truncated_bytes = tail;
    open_report_.truncated_reason = reader.problem();
    Log(absl::StrCat("repaired a torn tail: truncated ", seg->path,
                     " at offset ", offset, ", dropping ", tail,
                     " bytes from sequence ", sequence, " on (",
                     reader.problem(), ")"));
    seg->bytes = offset;
    seg->next_sequence = sequence;
    active_file_bytes_ = offset;
    return absl::OkStatus();
  }
  seg->bytes = reader.next_offset();
  seg->next_sequence = sequence;
  if (last) active_file_bytes_ = seg->bytes;
  if (!last && options_.persist_index) PersistIndex(*seg);
  return absl::OkStatus();
}

}  // namespace riskflow::log::segment
