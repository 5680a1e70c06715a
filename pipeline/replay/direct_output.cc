#include "pipeline/replay/direct_output.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace riskflow::replay {
namespace {

absl::Status WriteError(const std::string& path, int err) {
  return absl::UnavailableError(
      absl::StrCat("cannot write ", path, ": ", std::strerror(err)));
}

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

DirectOutput::DirectOutput(std::string path, size_t buffer_bytes)
    : path_(std::move(path)),
      capacity_(RoundUp(std::max(buffer_bytes, kAlign), kAlign)) {}

DirectOutput::~DirectOutput() {
  if (fd_ >= 0) close(fd_);
  std::free(buffer_);
  if (ctx_ != nullptr) EVP_MD_CTX_free(ctx_);
}

absl::Status DirectOutput::Open(bool direct) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  if (direct) {
    fd_ = open(path_.c_str(), kFlags | O_DIRECT, 0644);
    direct_ = fd_ >= 0;
  }
  // EINVAL: the file system does not do O_DIRECT; write it buffered.
  if (fd_ < 0) fd_ = open(path_.c_str(), kFlags, 0644);
  if (fd_ < 0) return WriteError(path_, errno);
  buffer_ = static_cast<char*>(std::aligned_alloc(kAlign, capacity_));
  if (buffer_ == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate a ", capacity_,
                     "-byte output buffer for ", path_));
  }
  ctx_ = EVP_MD_CTX_new();
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("cannot start SHA-256 (libcrypto)");
  }
  return absl::OkStatus();
}

absl::Status DirectOutput::Append(const char* data, size_t size) {
  while (size > 0) {
    const size_t n = std::min(size, capacity_ - size_);
    std::memcpy(buffer_ + size_, data, n);
    size_ += n;
    data += n;
    size -= n;
    if (size_ == capacity_) {
      if (absl::Status s = WriteBuffer(size_); !s.ok()) return s;
      size_ = 0;
    }
  }
  return absl::OkStatus();
}

bool DirectOutput::DropDirect() {
  const int flags = fcntl(fd_, F_GETFL);
  if (flags < 0 || fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return false;
  direct_ = false;
  return true;
}

absl::Status DirectOutput::WriteBuffer(size_t size) {
  EVP_DigestUpdate(ctx_, buffer_, size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd_, buffer_ + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Accepted at open, refused at write (some file systems): the rest
      // goes through the page cache. Offsets so far are block-aligned, so
      // nothing written is lost.
      if (errno == EINVAL && direct_ && DropDirect()) continue;
      return WriteError(path_, errno);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DirectOutput::Finish() {
  // The aligned part of the rest as before, the tail without O_DIRECT.
  const size_t aligned = size_ / kAlign * kAlign;
  if (aligned > 0) {
    if (absl::Status s = WriteBuffer(aligned); !s.ok()) return s;
    std::memmove(buffer_, buffer_ + aligned, size_ - aligned);
    size_ -= aligned;
  }
  if (size_ > 0) {
    if (direct_ && !DropDirect()) return WriteError(path_, errno);
    if (absl::Status s = WriteBuffer(size_); !s.ok()) return s;
    size_ = 0;
  }
  const int rc = close(fd_);
  fd_ = -1;
  if (rc != 0) return WriteError(path_, errno);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_, digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace riskflow::replay
