#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_CRASH_MARKER_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_CRASH_MARKER_H_

#include <cstdint>
#include <climits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace riskflow::plugin_host {

// What a marker said when it was read: the detector call a shard was in.
struct MarkerState {
  std::string file;      // where it was read from
  std::string detector;  // detector instance name
  uint64_t sequence = 0;
  int64_t budget_us = 0;
  // CLOCK_MONOTONIC ns at the start of the call (0 = no call running).
  int64_t start_ns = 0;
  // Set by the fatal-signal handler on the shard's own thread: this call
  // crashed the process.
  int crash_signal = 0;
  // Set by the watchdog before it aborts the process: this call hung.
  bool hung = false;
};

// A per-shard crash marker: a small file under <data_dir>/crash/, mapped
// shared, that says which detector the shard is calling and on which log
// sequence. Writing it is a few stores into mapped memory — no syscall, no
// fsync: the page cache survives the death of the process (segfault, abort,
// SIGKILL by the OOM killer or the watchdog), which is all it must survive;
// a kernel crash or power loss loses it (and the detector then crashes the
// daemon once more before it is quarantined).
//
// Only the owning shard thread writes (BeginCall / EndCall); the watchdog
// reads concurrently (Read), and the fatal-signal handler flags the record
// of the thread it runs on.
class CrashMarker {
 public:
  // Creates (or resets) the marker file at `path`.
  static absl::StatusOr<std::unique_ptr<CrashMarker>> Open(
      const std::string& path);
  ~CrashMarker();
  CrashMarker(const CrashMarker&) = delete;
  CrashMarker& operator=(const CrashMarker&) = delete;

  static constexpr uint32_t kInlineName = UINT32_MAX;

  // Registers a detector name in the marker's table (once per detector and
  // pipeline version, any thread) so BeginCall writes an id instead of
  // copying the name. kInlineName when the table is full or the name long.
  uint32_t NameId(std::string_view detector);

  // Around every detector call, on the shard thread. `now_ns` is
  // MonotonicNowNs() taken by the caller (it times the call anyway).
  // `name_id` from NameId; with kInlineName the name is copied.
  void BeginCall(uint32_t name_id, std::string_view detector,
                 uint64_t sequence, int64_t budget_us, int64_t now_ns);
  void BeginCall(std::string_view detector, uint64_t sequence,
                 int64_t budget_us, int64_t now_ns) {
    BeginCall(kInlineName, detector, sequence, budget_us, now_ns);
  }
  void EndCall();

  // Binds this marker to the calling thread for the fatal-signal handler
  // (and gives the thread an alternate signal stack, so a stack overflow in
  // a plugin is still recorded). Call once from the shard thread.
  void AttachThread();
  // Undoes AttachThread on the same thread (before it exits).
  void DetachThread();

  // A consistent snapshot (retries while the shard is mid-write).
  MarkerState Read() const;

  // The watchdog's verdict, recorded before it aborts the process.
  void MarkHung();

  const std::string& path() const { return path_; }

  // Reads a marker file left by an earlier process; nullopt when it holds
  // no running call (or is not a marker, or was torn mid-write).
  static std::optional<MarkerState> ReadFile(const std::string& path);

  // Installs the process-wide handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL
  // and SIGABRT: it flags the marker of the crashing thread (if that thread
  // is in a detector call), writes one line naming the detector to stderr,
  // and lets the signal kill the process as before. Idempotent.
  static void InstallSignalHandlers();

  static int64_t MonotonicNowNs();

  // The mapped layout (public only for the signal handler in the .cc).
  struct Record;

 private:
  CrashMarker() = default;

  std::string path_;
  absl::Mutex table_mu_;  // NameId appends
  int fd_ = -1;
  Record* record_ = nullptr;
  void* alt_stack_ = nullptr;
};

// Every marker file <dir>/<prefix>-*.marker (any shard count); missing dir
// = none.
std::vector<std::string> MarkerFiles(const std::string& dir,
                                     const std::string& prefix);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_CRASH_MARKER_H_
