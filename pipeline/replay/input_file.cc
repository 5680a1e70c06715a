#include "pipeline/replay/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace riskflow::replay {
namespace {

constexpr size_t kRawBuffer = 1 << 18;
constexpr size_t kOutBuffer = 1 << 18;

absl::Status OpenError(const std::string& path, int err) {
  std::string message = absl::StrCat("cannot open ", path, ": ",
                                     std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

}  // namespace

struct InputFile::Inflater {
  z_stream zs{};
  bool initialized = false;
  // True between members of a concatenated gzip file: the previous member
  // ended, and the next one starts only if more bytes follow.
  bool member_ended = false;
  ~Inflater() {
    if (initialized) inflateEnd(&zs);
  }
};

absl::StatusOr<std::unique_ptr<InputFile>> InputFile::Open(
    const std::string& path) {
  int fd = 0;
  bool owns = false;
  std::string name = path;
  if (path == "-") {
    name = "<stdin>";
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(path, errno);
    owns = true;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", path, ": it is a directory"));
    }
  }
  std::unique_ptr<InputFile> file(new InputFile(fd, owns, std::move(name)));
  if (auto s = file->Start(); !s.ok()) return s;
  return file;
}

InputFile::InputFile(int fd, bool owns_fd, std::string name)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), raw_(kRawBuffer) {}

InputFile::~InputFile() {
  if (owns_fd_) ::close(fd_);
}

absl::Status InputFile::Start() {
  struct stat st;
  if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    size_bytes_ = static_cast<uint64_t>(st.st_size);
  }
  // The first chunk decides the format; a pipe may deliver fewer than two
  // bytes at first, so read until there are two or the input ends.
  while (raw_len_ < 2) {
    ssize_t n = ::read(fd_, raw_.data() + raw_len_, raw_.size() - raw_len_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::DataLossError(
          absl::StrCat("cannot read ", name_, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    raw_len_ += static_cast<size_t>(n);
    consumed_.fetch_add(static_cast<uint64_t>(n));
  }
  gzip_ = raw_len_ >= 2 && static_cast<unsigned char>(raw_[0]) == 0x1f &&
          static_cast<unsigned char>(raw_[1]) == 0x8b;
  if (!gzip_) return absl::OkStatus();
  inflater_ = std::make_unique<Inflater>();
  // 15 + 16: gzip wrapper only; zlib's auto-detection (+32) would also
  // accept raw zlib streams, which no tool in this project writes.
  if (inflateInit2(&inflater_->zs, 15 + 16) != Z_OK) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot start gzip decoding of ", name_));
  }
  inflater_->initialized = true;
  inflater_->zs.next_in = reinterpret_cast<Bytef*>(raw_.data());
  inflater_->zs.avail_in = static_cast<uInt>(raw_len_);
  out_.resize(kOutBuffer);
  return absl::OkStatus();
}

ssize_t InputFile::ReadRaw() {
  while (true) {
    ssize_t n = ::read(fd_, raw_.data(), raw_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = absl::DataLossError(
          absl::StrCat("cannot read ", name_, ": ", std::strerror(errno)));
      return -1;
    }
    raw_len_ = static_cast<size_t>(n);
    consumed_.fetch_add(static_cast<uint64_t>(n));
    return n;
  }
}

InputFile::int_type InputFile::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!status_.ok()) return traits_type::eof();
  if (!gzip_) {
    if (!raw_served_) {
      raw_served_ = true;
    } else if (ReadRaw() <= 0) {
      return traits_type::eof();
    }
    if (raw_len_ == 0) return traits_type::eof();
    setg(raw_.data(), raw_.data(), raw_.data() + raw_len_);
    return traits_type::to_int_type(*gptr());
  }
  z_stream& zs = inflater_->zs;
  while (true) {
    if (zs.avail_in == 0) {
      ssize_t n = ReadRaw();
      if (n < 0) return traits_type::eof();
      if (n == 0) {
        if (!inflater_->member_ended) {
          status_ = absl::DataLossError(absl::StrCat(
              name_, ": truncated gzip data (the file ends mid-stream)"));
        }
        return traits_type::eof();
      }
      zs.next_in = reinterpret_cast<Bytef*>(raw_.data());
      zs.avail_in = static_cast<uInt>(n);
    }
    if (inflater_->member_ended) {
      // More bytes after a member's end: the next member of the file.
      inflateReset(&zs);
      inflater_->member_ended = false;
    }
    zs.next_out = reinterpret_cast<Bytef*>(out_.data());
    zs.avail_out = static_cast<uInt>(out_.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      inflater_->member_ended = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status_ = absl::DataLossError(absl::StrCat(
          name_, ": corrupt gzip data (",
          zs.msg != nullptr ? zs.msg : "inflate failed", ")"));
      return traits_type::eof();
    }
    const size_t produced = out_.size() - zs.avail_out;
    if (produced > 0) {
      setg(out_.data(), out_.data(), out_.data() + produced);
      return traits_type::to_int_type(*gptr());
    }
  }
}

}  // namespace riskflow::replay
