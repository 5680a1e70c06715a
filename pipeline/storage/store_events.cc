#include "pipeline/storage/store_events.h"

#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"

namespace riskflow::storage {
namespace {

logging::Level ToLevel(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
      return logging::Level::kDebug;
    case rocksdb::InfoLogLevel::INFO_LEVEL:
    case rocksdb::InfoLogLevel::HEADER_LEVEL:
      return logging::Level::kInfo;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      return logging::Level::kWarning;
    default:
      return logging::Level::kError;
  }
}

}  // namespace

RocksLogger::RocksLogger(std::string store_name, rocksdb::InfoLogLevel level)
    : rocksdb::Logger(level), component_("rocksdb/" + std::move(store_name)) {}

void RocksLogger::Logv(const rocksdb::InfoLogLevel level, const char* format,
                       va_list ap) {
  if (level < GetInfoLogLevel()) return;
  char buf[1024];
  va_list copy;
  va_copy(copy, ap);
  std::vsnprintf(buf, sizeof(buf), format, copy);
  va_end(copy);
  // RocksDB 7.8 reports at ERROR level that the directory of a store it is
  // about to create does not exist yet; that is every fresh store (every
  // replay), not an error.
  if (absl::StartsWith(buf, "Error when reading") &&
      absl::StrContains(buf, "dir NotFound")) {
    return;
  }
  // A stopped store repeats its error for every refused write.
  logging::LogRateLimited(limiter_, ToLevel(level), {component_}, buf);
}

StoreEventListener::StoreEventListener(std::string store_name)
    : component_("store/" + std::move(store_name)) {}

void StoreEventListener::OnBackgroundError(
    rocksdb::BackgroundErrorReason reason, rocksdb::Status* bg_error) {
  if (bg_error == nullptr || bg_error->ok()) return;
  errors_.fetch_add(1, std::memory_order_relaxed);
  {
    absl::MutexLock lock(&mu_);
    last_error_ = bg_error->ToString();
  }
  if (reason == rocksdb::BackgroundErrorReason::kWriteCallback ||
      reason == rocksdb::BackgroundErrorReason::kMemTable) {
    wal_failed_.store(true, std::memory_order_release);
  }
  // Every refused write reports the error again; say it once per stop.
  if (stopped_.exchange(true, std::memory_order_acq_rel)) return;
  logging::Log(logging::Level::kError, {component_},
               absl::StrCat("writes stopped after a background error (reason ",
                            static_cast<int>(reason), "): ",
                            bg_error->ToString(),
                            "; riskflowd refuses new input and resumes the "
                            "store when the disk has room again"));
}

void StoreEventListener::OnErrorRecoveryBegin(
    rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) {
  // The disk guard resumes stopped stores itself (Store::Resume), for
  // every error. RocksDB's own recovery must not run beside it: its
  // recovery from a full disk waits in the SstFileManager until free space
  // exceeds the largest write buffer (64 MB by default), makes a manual
  // Resume() answer Busy meanwhile, and in 7.8 trips the same writer
  // assertion after a failed WAL append (reproduced with a plain DB on a
  // full tmpfs: auto recovery aborts, Resume() with it off switches to a
  // new WAL and writes go on).
  if (auto_recovery != nullptr) *auto_recovery = false;
}

void StoreEventListener::OnErrorRecoveryEnd(
    const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (info.new_bg_error.ok()) {
    MarkResumed();
  }
}

void StoreEventListener::MarkResumed() {
  wal_failed_.store(false, std::memory_order_release);
  if (stopped_.exchange(false, std::memory_order_acq_rel)) {
    logging::Log(logging::Level::kInfo, {component_},
                 "writes resumed after the background error");
  }
}

std::string StoreEventListener::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

}  // namespace riskflow::storage
