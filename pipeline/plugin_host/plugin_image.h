// A plugin file's bytes, read once, and dlopen() of exactly those bytes.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_IMAGE_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_IMAGE_H_

#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace riskflow::plugin_host {

// An open plugin file and its contents as read.
class PluginImage {
 public:
  // Reads the whole regular file at `path` through one descriptor with
  // pread(). Refuses (FailedPrecondition; the reason, without the path)
  // what does not exist, is not a regular file, has a size outside
  // [kMinPluginFileBytes, kMaxPluginFileBytes] or changes size while read.
  static absl::StatusOr<std::unique_ptr<PluginImage>> Read(
      const std::string& path);
  ~PluginImage();
  PluginImage(const PluginImage&) = delete;
  PluginImage& operator=(const PluginImage&) = delete;

  const std::string& bytes() const { return bytes_; }

  // A library opened by Dlopen(), and the descriptor it was opened
  // through (see ~LoadedPlugin for why it stays open).
  struct Opened {
    void* handle = nullptr;
    int fd = -1;
    std::string name;  // what dlopen() was given: /proc/self/fd/<fd>
  };

  // dlopen(flags) of bytes() itself: copied into a memfd sealed against
  // writes, shrinking and growing, and opened through /proc/self/fd. What
  // runs is then byte for byte what was checked and hashed, and no change
  // to the file on disk can truncate the mapping under the loader (SIGBUS).
  // Where a sealed memfd cannot be made (a kernel without memfd, or
  // vm.memfd_noexec=2), it opens a duplicate of the descriptor it read
  // from, after checking the file is unchanged (same inode, size and
  // mtime); the residual risk is documented in docs/plugin-loading.md.
  // `label` names the mapping in /proc/self/maps. The caller owns the
  // returned descriptor. The error is dlerror()'s or errno's.
  absl::StatusOr<Opened> Dlopen(const std::string& label, int flags) const;

  // How the last Dlopen() opened the image: "memfd" or "fd" (for tests).
  const char* opened_via() const { return opened_via_; }

 private:
  PluginImage() = default;

  int fd_ = -1;
  struct stat stat_ {};
  std::string bytes_;
  mutable const char* opened_via_ = "";
};

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_IMAGE_H_
