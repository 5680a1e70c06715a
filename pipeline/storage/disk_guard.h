#ifndef RISKFLOW_PIPELINE_STORAGE_DISK_GUARD_H_
#define RISKFLOW_PIPELINE_STORAGE_DISK_GUARD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pipeline/storage/store.h"

namespace riskflow::storage {

struct DiskGuardOptions {
  // The data directory (--data_dir); every store lives below it.
  std::string dir;
  // New input is refused while fewer bytes are free. The reserve is what
  // already-accepted work may still write: the engine deciding what is
  // queued (up to the shard queues' worth of decisions and state), flushes
  // and compactions (--min_free_disk_mb).
  uint64_t min_free_bytes = 64ull << 20;
  // How often the free space is measured (statvfs) and stopped stores are
  // resumed. Publishes read the last measurement.
  absl::Duration refresh = absl::Milliseconds(100);
  // Free bytes of the filesystem holding dir; statvfs when empty (tests
  // inject their own).
  std::function<absl::StatusOr<uint64_t>(const std::string& dir)> free_bytes;
};

// The gate in front of every write riskflowd accepts from clients: it
// refuses new input with RESOURCE_EXHAUSTED, naming the directory and the
// free bytes, *before* RocksDB runs out of space, and while a store is
// stopped by a write error; it resumes the stores by itself when space is
// back. A background thread measures; CheckWritable() only reads atomics.
class DiskGuard {
 public:
  explicit DiskGuard(DiskGuardOptions options);
  ~DiskGuard();
  DiskGuard(const DiskGuard&) = delete;
  DiskGuard& operator=(const DiskGuard&) = delete;

  // Stores to watch and resume (before Start).
  void AddStore(Store* store);
  // Measures once, then keeps measuring on a thread until Stop.
  void Start();
  void Stop();

  // OK, or RESOURCE_EXHAUSTED with the reason ("disk full: ..."). Cheap.
  absl::Status CheckWritable() const;
  // One measurement and, if there is room, Resume() of stopped stores.
  void Refresh();

  uint64_t free_bytes() const {
    return free_bytes_.load(std::memory_order_relaxed);
  }
  uint64_t min_free_bytes() const { return options_.min_free_bytes; }
  // How many times input was refused, and how many times the gate closed.
  uint64_t refusals() const { return refusals_.load(std::memory_order_relaxed); }
  uint64_t closings() const { return closings_.load(std::memory_order_relaxed); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  // The filesystem's mount point, named in messages ("the disk").
  const std::string& mount_point() const { return mount_point_; }

 private:
  void Loop();
  absl::StatusOr<uint64_t> MeasureFree() const;

  const DiskGuardOptions options_;
  std::string mount_point_;
  std::vector<Store*> stores_;
  std::atomic<uint64_t> free_bytes_{UINT64_MAX};
  std::atomic<bool> closed_{false};
  mutable std::atomic<uint64_t> refusals_{0};
  std::atomic<uint64_t> closings_{0};
  mutable absl::Mutex reason_mu_;
  std::string reason_ ABSL_GUARDED_BY(reason_mu_);
  absl::Time last_resume_attempt_ = absl::InfinitePast();
  absl::Mutex refresh_mu_;  // one Refresh at a time
  absl::Notification stop_;
  std::thread thread_;
};

// The mount point of the filesystem holding path (walks up while the
// device stays the same).
std::string MountPointOf(const std::string& path);

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_DISK_GUARD_H_
