#include "pipeline/storage/small_disk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace riskflow::storage {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(
      absl::StrCat(what, ": ", std::strerror(errno)));
}

// Once per process: a private mount namespace, so mounts never leak into
// the host's (or Bazel's) tree.
absl::Status PrivateNamespace() {
  static absl::Status status = [] {
    if (unshare(CLONE_NEWNS) != 0) return Errno("unshare(CLONE_NEWNS)");
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return Errno("make / private");
    }
    return absl::OkStatus();
  }();
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmallDisk>> SmallDisk::Mount(
    const std::string& dir, int size_mb) {
  if (auto s = PrivateNamespace(); !s.ok()) return s;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno(absl::StrCat("mkdir ", dir));
  }
  const std::string opts = absl::StrCat("size=", size_mb, "m,mode=0700");
  if (mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
    return Errno(absl::StrCat("mount tmpfs (", opts, ") at ", dir));
  }
  return std::unique_ptr<SmallDisk>(new SmallDisk(dir));
}

SmallDisk::~SmallDisk() { umount2(path_.c_str(), MNT_DETACH); }

uint64_t SmallDisk::FreeBytes() const {
  struct statvfs st;
  if (statvfs(path_.c_str(), &st) != 0) return 0;
  return uint64_t{st.f_bavail} * st.f_frsize;
}

absl::Status SmallDisk::Fill(const std::string& file, uint64_t leave) const {
  int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0600);
  if (fd < 0) return Errno(absl::StrCat("open ", file));
  std::string chunk(64 << 10, 'x');
  for (;;) {
    const uint64_t free = FreeBytes();
    if (free <= leave) break;
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>(chunk.size(), free - leave));
    if (write(fd, chunk.data(), n) <= 0) break;  // full: done
  }
  close(fd);
  return absl::OkStatus();
}

}  // namespace riskflow::storage
