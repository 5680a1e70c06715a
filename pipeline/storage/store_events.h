#ifndef RISKFLOW_PIPELINE_STORAGE_STORE_EVENTS_H_
#define RISKFLOW_PIPELINE_STORAGE_STORE_EVENTS_H_

// What RocksDB tells the host about a store, routed away from the data
// directory:
//
// * RocksLogger replaces RocksDB's info LOG file with riskflow's logger.
//   Besides saving disk, this is what keeps a full disk from aborting the
//   daemon: Debian's librocksdb is built with assertions on, and once an
//   append to the LOG file failed with ENOSPC, the next log line (written
//   by RocksDB's own error handler while it reports the write error)
//   trips `WritableFileWriter::AssertFalseAndGetStatusForPrevError():
//   Assertion 'sync_without_flush_called_' failed` and aborts.
// * StoreEventListener remembers the store's background error, so the
//   disk guard can refuse writes while the store is stopped and call
//   DB::Resume() once space is back.

#include <atomic>
#include <cstdarg>
#include <string>

#include "absl/synchronization/mutex.h"
#include "pipeline/common/logger.h"
#include "rocksdb/env.h"
#include "rocksdb/listener.h"

namespace riskflow::storage {

class RocksLogger : public rocksdb::Logger {
 public:
  // `store_name` (e.g. "log", "engine") is the component of every line.
  RocksLogger(std::string store_name, rocksdb::InfoLogLevel level);
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override;

 private:
  std::string component_;
  logging::RateLimiter limiter_{20, absl::Seconds(10)};
};

class StoreEventListener : public rocksdb::EventListener {
 public:
  explicit StoreEventListener(std::string store_name);

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason,
                            rocksdb::Status bg_error,
                            bool* auto_recovery) override;
  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // True from a background error until the store resumed.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  std::string last_error() const;
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  // Called after a successful DB::Resume().
  void MarkResumed();
  // The stopping error came from a WAL append (a foreground write).
  bool wal_failed() const { return wal_failed_.load(std::memory_order_acquire); }

 private:
  const std::string component_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> errors_{0};
  std::atomic<bool> wal_failed_{false};
  mutable absl::Mutex mu_;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_STORE_EVENTS_H_
