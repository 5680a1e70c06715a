#include "pipeline/plugin_host/plugin_image.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "pipeline/plugin_host/elf_check.h"

namespace riskflow::plugin_host {
namespace {

absl::Status Bad(absl::string_view why) {
  return absl::FailedPreconditionError(why);
}

std::string Errno() { return std::strerror(errno); }

absl::Status WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Bad(absl::StrCat("copying to memory: ", Errno()));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// glibc matches an already loaded library by the name passed to dlopen()
// before it opens anything, so the name must not be shared with a library
// still resident: the caller keeps `fd` open for as long as the library is
// loaded, which keeps "/proc/self/fd/<fd>" unique.
absl::StatusOr<PluginImage::Opened> DlopenFd(int fd, int flags) {
  PluginImage::Opened opened;
  opened.fd = fd;
  opened.name = absl::StrCat("/proc/self/fd/", fd);
  opened.handle = dlopen(opened.name.c_str(), flags);
  if (opened.handle == nullptr) {
    const char* err = dlerror();
    close(fd);
    return Bad(absl::StrCat("dlopen failed: ", err ? err : "unknown error"));
  }
  return opened;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PluginImage>> PluginImage::Read(
    const std::string& path) {
  std::unique_ptr<PluginImage> image(new PluginImage());
  // O_NONBLOCK: a FIFO named like a plugin must not hang the daemon.
  image->fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (image->fd_ < 0) {
    return Bad(errno == ENOENT ? std::string("no such file")
                               : absl::StrCat("cannot be opened: ", Errno()));
  }
  if (fstat(image->fd_, &image->stat_) != 0) {
    return Bad(absl::StrCat("cannot be read: ", Errno()));
  }
  if (!S_ISREG(image->stat_.st_mode)) return Bad("not a regular file");
  const uint64_t size = static_cast<uint64_t>(image->stat_.st_size);
  if (size < kMinPluginFileBytes) {
    return Bad(absl::StrCat("file is ", size, " bytes, smaller than an ELF "
                            "header (", kMinPluginFileBytes,
                            "): truncated or empty"));
  }
  if (size > kMaxPluginFileBytes) {
    return Bad(absl::StrCat("file is ", size, " bytes, more than the ",
                            kMaxPluginFileBytes, " a plugin may have"));
  }
  image->bytes_.resize(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = pread(image->fd_, image->bytes_.data() + done, size - done,
                      static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Bad(absl::StrCat("cannot be read: ", Errno()));
    if (n == 0) {
      return Bad(absl::StrCat("file shrank to ", done, " bytes while being "
                              "read (expected ", size, "): truncated?"));
    }
    done += static_cast<uint64_t>(n);
  }
  struct stat after;
  if (fstat(image->fd_, &after) != 0 || after.st_size != image->stat_.st_size) {
    return Bad("file changed size while being read");
  }
  return image;
}

PluginImage::~PluginImage() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<PluginImage::Opened> PluginImage::Dlopen(
    const std::string& label, int flags) const {
  int memfd = memfd_create(absl::StrCat("riskflow:", label).c_str(),
                           MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd >= 0) {
    absl::Status copied = WriteAll(memfd, bytes_);
    const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
    if (copied.ok() && fcntl(memfd, F_ADD_SEALS, seals) == 0) {
      opened_via_ = "memfd";
      return DlopenFd(memfd, flags);
    }
    close(memfd);
  }
  // No sealed copy: load the very inode that was read, if it is unchanged.
  struct stat now;
  if (fstat(fd_, &now) != 0 || now.st_ino != stat_.st_ino ||
      now.st_dev != stat_.st_dev || now.st_size != stat_.st_size ||
      now.st_mtim.tv_sec != stat_.st_mtim.tv_sec ||
      now.st_mtim.tv_nsec != stat_.st_mtim.tv_nsec) {
    return Bad("file changed after it was checked");
  }
  const int fd = fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return Bad(absl::StrCat("cannot duplicate descriptor: ", Errno()));
  opened_via_ = "fd";
  return DlopenFd(fd, flags);
}

}  // namespace riskflow::plugin_host
