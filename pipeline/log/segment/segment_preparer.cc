#include "pipeline/log/segment/segment_preparer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/common/background_thread.h"

namespace riskflow::log::segment {

namespace {

// Written and synced a chunk at a time, so the preparation trickles to
// the disk instead of handing it 64 MB at once: the log's own fdatasync
// waits for whatever the device holds, at most one chunk of zeros. (Eight
// chunks per sync put the log's fdatasync p99 at ~3 ms at 116K ev/s;
// docs/evaluate-lane.md, "The fsync tail".)
constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kChunksPerSync = 1;

}  // namespace

SegmentPreparer::SegmentPreparer(
    std::string dir, std::function<void(const std::string&)> log_line)
    : dir_(std::move(dir)),
      path_(absl::StrCat(dir_, "/", kFileName)),
      log_line_(std::move(log_line)) {
  // A leftover of a crash mid-preparation (or of a clean stop) may be
  // partial: start afresh.
  ::unlink(path_.c_str());
}

SegmentPreparer::~SegmentPreparer() {
  stop_.store(true);
  if (worker_.joinable()) worker_.join();
}

void SegmentPreparer::Prepare(uint64_t bytes) {
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kIdle) return;
    state_ = State::kPreparing;
  }
  // The previous worker has finished (it left kPreparing before exiting).
  if (worker_.joinable()) worker_.join();
  worker_ = std::thread([this, bytes] { Run(bytes); });
}

std::optional<std::pair<std::string, uint64_t>> SegmentPreparer::Take() {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kReady) return std::nullopt;
  state_ = State::kIdle;
  return std::make_pair(path_, ready_bytes_);
}

void SegmentPreparer::WaitIdle() {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return state_ != State::kPreparing;
  };
  mu_.Await(absl::Condition(&done));
}

void SegmentPreparer::Run(uint64_t bytes) {
  // Nothing waits for the file (the writer creates an empty one when none
  // is ready): the zero-fill runs on what the engine leaves over.
  DeprioritizeThisThread(10);
  NameThisThread("segment-zeros");
  std::string error;
  const int fd =
      ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = absl::StrCat("creating ", path_, ": ", std::strerror(errno));
  } else {
    const std::string zeros(kChunkBytes, '\0');
    uint64_t done = 0;
    size_t chunks = 0;
    while (done < bytes && error.empty()) {
      if (stop_.load()) {
        error = "stopped";
        break;
      }
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(kChunkBytes, bytes - done));
      const ssize_t w =
          ::pwrite(fd, zeros.data(), n, static_cast<off_t>(done));
      if (w < 0) {
        if (errno == EINTR) continue;
        error = absl::StrCat("writing ", path_, ": ", std::strerror(errno));
        break;
      }
      done += static_cast<uint64_t>(w);
      if (++chunks % kChunksPerSync == 0 && ::fdatasync(fd) != 0) {
        error = absl::StrCat("syncing ", path_, ": ", std::strerror(errno));
      }
    }
    if (error.empty() && ::fdatasync(fd) != 0) {
      error = absl::StrCat("syncing ", path_, ": ", std::strerror(errno));
    }
    ::close(fd);
  }
  if (!error.empty()) {
    ::unlink(path_.c_str());
    if (log_line_ && !stop_.load()) {
      log_line_(absl::StrCat("could not prepare the next segment file (",
                             error,
                             "); segments are created empty from now on"));
    }
  }
  absl::MutexLock lock(&mu_);
  state_ = error.empty() ? State::kReady : State::kFailed;
  ready_bytes_ = bytes;
}

}  // namespace riskflow::log::segment
