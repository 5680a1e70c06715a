#include "pipeline/report/input_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "zlib.h"

namespace riskflow::report {

namespace io = ::google::protobuf::io;

// Inflates gzip members (one or several concatenated, as `cat a.gz b.gz`
// makes) from `source`. Read() fails on corrupt data and on input that ends
// inside a member.
class InputFile::Gunzip : public io::CopyingInputStream {
 public:
  explicit Gunzip(io::ZeroCopyInputStream* source) : source_(source) {
    // 16 + MAX_WBITS: expect a gzip header and trailer, not raw zlib.
    ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;
    if (!ok_) error_ = "cannot initialise zlib";
  }
  ~Gunzip() override { inflateEnd(&z_); }

  int Read(void* buffer, int size) override {
    if (!ok_) return -1;
    z_.next_out = static_cast<Bytef*>(buffer);
    z_.avail_out = static_cast<uInt>(size);
    while (z_.avail_out == static_cast<uInt>(size)) {
      if (z_.avail_in == 0) {
        const void* data = nullptr;
        int n = 0;
        if (!source_->Next(&data, &n)) {
          if (member_ended_) return 0;
          return Fail("truncated gzip data");
        }
        z_.next_in = static_cast<Bytef*>(const_cast<void*>(data));
        z_.avail_in = static_cast<uInt>(n);
        continue;
      }
      if (member_ended_) {
        inflateReset(&z_);
        member_ended_ = false;
      }
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Fail(z_.msg != nullptr ? z_.msg : "corrupt gzip data");
      }
    }
    return size - static_cast<int>(z_.avail_out);
  }

  const std::string& error() const { return error_; }

 private:
  int Fail(std::string message) {
    ok_ = false;
    error_ = std::move(message);
    return -1;
  }

  io::ZeroCopyInputStream* source_;
  z_stream z_{};
  bool ok_ = false;
  // True between members and at a clean end: nothing is half-inflated.
  bool member_ended_ = false;
  std::string error_;
};

InputFile::InputFile(std::string name, int fd)
    : name_(std::move(name)), fd_(fd), file_(fd), stream_(&file_) {}

InputFile::~InputFile() {
  // stdin is not ours to close.
  if (fd_ != STDIN_FILENO) close(fd_);
}

absl::StatusOr<std::unique_ptr<InputFile>> InputFile::Open(
    const std::string& path) {
  int fd = STDIN_FILENO;
  std::string name = path == "-" ? "<stdin>" : path;
  if (path != "-") {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      std::string message =
          absl::StrCat("cannot open ", path, ": ", std::strerror(err));
      if (err == ENOENT) return absl::NotFoundError(message);
      if (err == EACCES) return absl::PermissionDeniedError(message);
      return absl::UnavailableError(message);
    }
  }
  std::unique_ptr<InputFile> input(new InputFile(std::move(name), fd));
  std::string magic = input->Peek(2);
  if (magic == "\x1f\x8b") {
    input->gunzip_ = std::make_unique<Gunzip>(&input->file_);
    input->adaptor_ =
        std::make_unique<io::CopyingInputStreamAdaptor>(input->gunzip_.get());
    input->stream_ = input->adaptor_.get();
  }
  return input;
}

std::string InputFile::Peek(int n) {
  const void* data = nullptr;
  int size = 0;
  // Skip empty buffers (an inflater may return one before real output).
  while (stream_->Next(&data, &size)) {
    if (size == 0) continue;
    std::string prefix(static_cast<const char*>(data), std::min(n, size));
    stream_->BackUp(size);
    return prefix;
  }
  return "";
}

absl::StatusOr<bool> InputFile::ReadLine(std::string* line) {
  line->clear();
  const void* data = nullptr;
  int size = 0;
  while (stream_->Next(&data, &size)) {
    const char* begin = static_cast<const char*>(data);
    const char* newline =
        static_cast<const char*>(std::memchr(begin, '\n', size));
    if (newline == nullptr) {
      line->append(begin, size);
      continue;
    }
    line->append(begin, newline - begin);
    stream_->BackUp(static_cast<int>(size - (newline - begin) - 1));
    if (!line->empty() && line->back() == '\r') line->pop_back();
    return true;
  }
  absl::Status read_status = status();
  if (!read_status.ok()) return read_status;
  // A last line without '\n' still counts.
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return !line->empty();
}

absl::Status InputFile::status() const {
  if (file_.GetErrno() != 0) {
    return absl::DataLossError(absl::StrCat("cannot read ", name_, ": ",
                                            std::strerror(file_.GetErrno())));
  }
  if (gunzip_ != nullptr && !gunzip_->error().empty()) {
    return absl::DataLossError(absl::StrCat(name_, ": ", gunzip_->error()));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::report
