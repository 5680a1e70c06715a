#include "pipeline/storage/disk_guard.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"

namespace riskflow::storage {
namespace {

const logging::Component kDisk{"disk"};

absl::StatusOr<uint64_t> StatvfsFree(const std::string& dir) {
  struct statvfs st;
  if (statvfs(dir.c_str(), &st) != 0) {
    return absl::InternalError(
        absl::StrCat("statvfs ", dir, ": ", std::strerror(errno)));
  }
  // f_bavail: what an unprivileged writer may still use; root may dig into
  // the reserved blocks, but the reserve is not ours to plan with.
  return static_cast<uint64_t>(st.f_bavail) *
         static_cast<uint64_t>(st.f_frsize);
}

std::string Mb(uint64_t bytes) {
  return absl::StrCat(bytes / (1 << 20), ".",
                      (bytes % (1 << 20)) * 10 / (1 << 20), " MB");
}

}  // namespace

std::string MountPointOf(const std::string& path) {
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) return path;
  std::string p = real;
  struct stat st;
  if (stat(p.c_str(), &st) != 0) return p;
  const dev_t dev = st.st_dev;
  while (p != "/") {
    std::string parent = p.substr(0, p.find_last_of('/'));
    if (parent.empty()) parent = "/";
    struct stat pst;
    if (stat(parent.c_str(), &pst) != 0 || pst.st_dev != dev) break;
    p = parent;
  }
  return p;
}

DiskGuard::DiskGuard(DiskGuardOptions options) : options_(std::move(options)) {
  mount_point_ = MountPointOf(options_.dir);
}

DiskGuard::~DiskGuard() { Stop(); }

void DiskGuard::AddStore(Store* store) { stores_.push_back(store); }

void DiskGuard::Start() {
  Refresh();
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void DiskGuard::Stop() {
  if (!thread_.joinable()) return;
  if (!stop_.HasBeenNotified()) stop_.Notify();
  thread_.join();
}

void DiskGuard::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(options_.refresh)) Refresh();
}

absl::StatusOr<uint64_t> DiskGuard::MeasureFree() const {
  return options_.free_bytes ? options_.free_bytes(options_.dir)
                             : StatvfsFree(options_.dir);
}

void DiskGuard::Refresh() {
  absl::MutexLock refresh_lock(&refresh_mu_);
  absl::StatusOr<uint64_t> free = MeasureFree();
  std::string reason;
  if (!free.ok()) {
    // Cannot measure: keep serving on the stores' own errors rather than
    // refuse everything because statvfs failed.
    static logging::RateLimiter limiter(1, absl::Minutes(1));
    logging::LogRateLimited(limiter, logging::Level::kWarning, kDisk,
                            std::string(free.status().message()));
  } else {
    free_bytes_.store(*free, std::memory_order_relaxed);
    if (*free < options_.min_free_bytes) {
      reason = absl::StrCat(
          "disk full: the data directory ", options_.dir,
          " (filesystem mounted at ", mount_point_, ") has ", *free,
          " bytes free (", Mb(*free), "), below the reserve of ",
          options_.min_free_bytes, " bytes (--min_free_disk_mb); new "
          "events are refused until space is freed");
    }
  }
  const bool room = reason.empty();
  for (Store* store : stores_) {
    if (!store->write_stopped()) continue;
    // Resume only with room to spare: it flushes the memtables, and a
    // resume that fails again just stops the store again. At most once a
    // second, since each attempt writes.
    if (room && absl::Now() - last_resume_attempt_ >= absl::Seconds(1)) {
      last_resume_attempt_ = absl::Now();
      absl::Status s = store->Resume();
      if (!s.ok()) {
        logging::Log(logging::Level::kWarning, kDisk,
                     absl::StrCat("resume failed, retrying: ", s.message()));
      }
    }
    if (store->write_stopped() && reason.empty()) {
      reason = absl::StrCat(
          "the ", store->name(), " store at ", store->dir(),
          " stopped writing after an error (", store->last_background_error(),
          "); new events are refused until it resumes (disk ",
          mount_point_, " has ", free.ok() ? *free : 0, " bytes free)");
    }
  }
  for (Store* store : stores_) {
    if (reason.empty() && store->sst_limit_reached()) {
      reason = absl::StrCat("the ", store->name(), " store at ", store->dir(),
                            " reached its table-file space limit (",
                            store->sst_bytes(), " bytes); new events are "
                            "refused");
    }
  }
  const bool was_closed = closed_.load(std::memory_order_relaxed);
  {
    absl::MutexLock lock(&reason_mu_);
    reason_ = reason;
  }
  closed_.store(!reason.empty(), std::memory_order_release);
  if (!reason.empty() && !was_closed) {
    closings_.fetch_add(1, std::memory_order_relaxed);
    logging::Log(logging::Level::kError, kDisk, reason);
  } else if (reason.empty() && was_closed) {
    logging::Log(logging::Level::kInfo, kDisk,
                 absl::StrCat("space is back (", Mb(free_bytes()),
                              " free in ", options_.dir,
                              "); accepting events again"));
  }
}

absl::Status DiskGuard::CheckWritable() const {
  if (!closed_.load(std::memory_order_acquire)) return absl::OkStatus();
  refusals_.fetch_add(1, std::memory_order_relaxed);
  absl::MutexLock lock(&reason_mu_);
  if (reason_.empty()) return absl::OkStatus();  // reopened meanwhile
  return absl::ResourceExhaustedError(reason_);
}

}  // namespace riskflow::storage
