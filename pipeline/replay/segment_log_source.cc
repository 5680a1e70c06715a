#include "pipeline/replay/segment_log_source.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/log/segment/segment_format.h"
#include "pipeline/log/segment/segment_reader.h"

namespace riskflow::replay {
namespace {

// The segment log's default (segment_log.h); longer records are not valid.
constexpr uint32_t kMaxRecordBytes = 16 << 20;

std::vector<uint64_t> ListSegments(const std::string& dir) {
  std::vector<uint64_t> firsts;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* entry = ::readdir(d)) {
      if (auto first = log::segment::ParseSegmentFileName(entry->d_name)) {
        firsts.push_back(*first);
      }
    }
    ::closedir(d);
  }
  std::sort(firsts.begin(), firsts.end());
  return firsts;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

class SegmentLogSource : public EventSource {
 public:
  SegmentLogSource(std::string dir, LogFilter filter,
                   std::vector<uint64_t> firsts)
      : dir_(std::move(dir)),
        filter_(std::move(filter)),
        channels_(filter_.channels.begin(), filter_.channels.end()),
        accounts_(filter_.accounts.begin(), filter_.accounts.end()),
        firsts_(std::move(firsts)) {
    for (uint64_t f : firsts_) total_bytes_ += FileSize(Path(f));
  }

  absl::StatusOr<bool> Next(riskflow::v1::Event* event) override {
    while (true) {
      if (reader_ == nullptr) {
        if (segment_ >= firsts_.size()) return false;
        if (segment_ > 0 && firsts_[segment_] != next_seq_) {
          return absl::DataLossError(absl::StrCat(
              Path(firsts_[segment_]), " starts at sequence ",
              firsts_[segment_], " but the segment before it ends before ",
              next_seq_, ": records are missing or overlap"));
        }
        next_seq_ = firsts_[segment_];
        reader_ = std::make_unique<log::segment::SegmentReader>(
            Path(firsts_[segment_]), 0, std::numeric_limits<uint64_t>::max(),
            kMaxRecordBytes);
        if (auto s = reader_->Open(); !s.ok()) return s;
      }
      std::string_view payload;
      absl::Status io;
      const auto result = reader_->Next(&payload, &io);
      if (!io.ok()) return io;
      if (result != log::segment::SegmentReader::Result::kRecord) {
        const bool last = segment_ + 1 == firsts_.size();
        if (result == log::segment::SegmentReader::Result::kBad && !last) {
          return absl::DataLossError(absl::StrCat(
              Path(firsts_[segment_]), " is corrupt at offset ",
              reader_->record_offset(), " (sequence ", next_seq_,
              "): ", reader_->problem()));
        }
        // The end, or a record still being written at the log's tail.
        done_bytes_ += reader_->next_offset();
        progress_bytes_.store(done_bytes_);
        reader_.reset();
        ++segment_;
        if (last) return false;
        continue;
      }
      const uint64_t seq = next_seq_++;
      seq_.store(seq);
      progress_bytes_.store(done_bytes_ + reader_->next_offset());
      log::LoggedEvent logged;
      if (auto st = log::DecodeLogRecord(payload, &logged); !st.ok()) {
        return absl::DataLossError(
            absl::StrCat(Position(), ": ", st.message()));
      }
      if (!Selected(logged.event)) continue;
      *event = std::move(logged.event);
      return true;
    }
  }

  std::string Position() const override {
    return absl::StrCat(dir_, " seq ", seq_.load());
  }

  // In bytes of segment files: the record count is only known at the end.
  std::optional<SourceProgress> Progress() const override {
    if (total_bytes_ == 0) return std::nullopt;
    return SourceProgress{std::min(total_bytes_, progress_bytes_.load()),
                          total_bytes_};
  }

 private:
  std::string Path(uint64_t first) const {
    return absl::StrCat(dir_, "/", log::segment::SegmentFileName(first));
  }

  bool Selected(const riskflow::v1::Event& e) const {
    if (filter_.from_ms && e.event_time_ms() < *filter_.from_ms) return false;
    if (filter_.to_ms && e.event_time_ms() >= *filter_.to_ms) return false;
    if (!channels_.empty() && !channels_.contains(e.channel_id())) {
      return false;
    }
    if (!accounts_.empty() && !accounts_.contains(e.account_id())) {
      return false;
    }
    return true;
  }

  std::string dir_;
  LogFilter filter_;
  absl::flat_hash_set<std::string> channels_;
  absl::flat_hash_set<std::string> accounts_;
  std::vector<uint64_t> firsts_;
  size_t segment_ = 0;
  std::unique_ptr<log::segment::SegmentReader> reader_;
  uint64_t next_seq_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t done_bytes_ = 0;
  // Progress() may run on another thread: these two are what it reads.
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> progress_bytes_{0};
};

}  // namespace

bool HasSegments(const std::string& dir) { return !ListSegments(dir).empty(); }

absl::StatusOr<std::unique_ptr<EventSource>> OpenSegmentLogSource(
    const std::string& dir, const LogFilter& filter) {
  std::vector<uint64_t> firsts = ListSegments(dir);
  if (firsts.empty()) {
    return absl::NotFoundError(absl::StrCat(dir, " holds no segment files"));
  }
  return std::unique_ptr<EventSource>(
      std::make_unique<SegmentLogSource>(dir, filter, std::move(firsts)));
}

}  // namespace riskflow::replay
