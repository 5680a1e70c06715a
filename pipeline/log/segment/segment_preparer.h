#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_PREPARER_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_PREPARER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace riskflow::log::segment {

// Prepares the next segment file ahead of time, on its own thread:
// zero-filled to the full segment size and synced. Appends into such a file
// overwrite blocks that are allocated and written, so a group's fdatasync
// flushes data only; appending to a growing file also changes its size,
// which ext4 commits through its journal on every fdatasync (measured with
// 4 KB groups on this machine: p50 ~210 µs growing vs ~100 µs prepared;
// docs/segment-log.md, "Prepared segment files"). A zero-filled tail never
// parses as a record (no record has length 0), and Open tells it from a
// torn write. The writer never waits for a file: when none is ready it
// creates an empty one as before.
class SegmentPreparer {
 public:
  // Not a segment name (ParseSegmentFileName ignores it).
  static constexpr char kFileName[] = "next-segment.prepared";

  SegmentPreparer(std::string dir,
                  std::function<void(const std::string&)> log_line);
  // Stops a preparation in progress (its file is removed) and waits.
  ~SegmentPreparer();
  SegmentPreparer(const SegmentPreparer&) = delete;
  SegmentPreparer& operator=(const SegmentPreparer&) = delete;

  // Starts preparing a file of `bytes` unless one is ready or being
  // prepared (or an earlier preparation failed: disk full, say — then the
  // log just keeps creating empty files).
  void Prepare(uint64_t bytes);
  // A prepared file (its path, now the caller's to rename, and its size),
  // or nullopt.
  std::optional<std::pair<std::string, uint64_t>> Take();
  // Blocks until no preparation is running (tests).
  void WaitIdle();

 private:
  enum class State { kIdle, kPreparing, kReady, kFailed };
  void Run(uint64_t bytes);

  const std::string dir_;
  const std::string path_;
  uint64_t ready_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  const std::function<void(const std::string&)> log_line_;
  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kIdle;
  std::atomic<bool> stop_{false};
  std::thread worker_;  // touched by Prepare and the destructor only
};

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_PREPARER_H_
