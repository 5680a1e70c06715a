#include "pipeline/report/input_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace riskflow::report {

namespace io = ::google::protobuf::io;

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
    input->gzip_ = std::make_unique<io::GzipInputStream>(
        &input->file_, io::GzipInputStream::GZIP);
    input->stream_ = input->gzip_.get();
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
  // Z_STREAM_END and Z_OK are >= 0; a truncated or corrupt file is < 0.
  if (gzip_ != nullptr && gzip_->ZlibErrorCode() < 0) {
    const char* reason = gzip_->ZlibErrorMessage();
    return absl::DataLossError(
        absl::StrCat(name_, ": corrupt or truncated gzip data",
                     reason != nullptr ? absl::StrCat(" (", reason, ")") : ""));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::report
