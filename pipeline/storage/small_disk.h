#ifndef RISKFLOW_PIPELINE_STORAGE_SMALL_DISK_H_
#define RISKFLOW_PIPELINE_STORAGE_SMALL_DISK_H_

// For disk-full tests: a size-limited tmpfs mounted in a private mount
// namespace of the test process, so it disappears with the process even if
// the test aborts, and child processes (a riskflowd under test) see it.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace riskflow::storage {

class SmallDisk {
 public:
  // Mounts a tmpfs of size_mb at dir (created). Fails (PERMISSION_DENIED
  // or UNAVAILABLE) where the process may not mount: tests then skip.
  static absl::StatusOr<std::unique_ptr<SmallDisk>> Mount(
      const std::string& dir, int size_mb);
  ~SmallDisk();

  const std::string& path() const { return path_; }
  uint64_t FreeBytes() const;
  // Writes `file` until about `leave` bytes are free.
  absl::Status Fill(const std::string& file, uint64_t leave) const;

 private:
  explicit SmallDisk(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_SMALL_DISK_H_
