// A replay input file as a std::streambuf, so every reader (JSONL, CSV,
// length-delimited protobuf) gets gzip for free: a file whose first bytes
// are the gzip magic (1f 8b) is inflated on the fly, whatever its name.
// Concatenated gzip members (what `cat a.gz b.gz` and pigz produce) are
// read as one stream.
#ifndef RISKFLOW_PIPELINE_REPLAY_INPUT_FILE_H_
#define RISKFLOW_PIPELINE_REPLAY_INPUT_FILE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::replay {

class InputFile : public std::streambuf {
 public:
  // "-" reads standard input. Errors name the path and the OS reason.
  static absl::StatusOr<std::unique_ptr<InputFile>> Open(
      const std::string& path);
  ~InputFile() override;

  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& name() const { return name_; }
  bool gzip() const { return gzip_; }
  // Size on disk (compressed for gzip), 0 when unknown (a pipe).
  uint64_t size_bytes() const { return size_bytes_; }
  // Bytes read from disk so far; with size_bytes() an ETA for any format.
  // Read from the progress thread, hence atomic.
  uint64_t consumed_bytes() const { return consumed_.load(); }

  // A read or inflate error ends the stream early (underflow returns EOF,
  // since readers must not see exceptions); readers check this at the end
  // so a corrupt .gz never passes for a short file.
  const absl::Status& status() const { return status_; }

  // The unread bytes already in the get area, without reading: a reader
  // can parse a record in place instead of copying it out first. Skip(n)
  // consumes n of them (n <= Buffered().size()).
  std::string_view Buffered() const {
    return std::string_view(gptr(), static_cast<size_t>(egptr() - gptr()));
  }
  void Skip(size_t n) { gbump(static_cast<int>(n)); }

 protected:
  int_type underflow() override;

 private:
  struct Inflater;
  InputFile(int fd, bool owns_fd, std::string name);
  absl::Status Start();
  // Fills raw_ from the fd; 0 at end of file, -1 on error (status_ set).
  ssize_t ReadRaw();

  int fd_;
  bool owns_fd_;
  std::string name_;
  bool gzip_ = false;
  uint64_t size_bytes_ = 0;
  std::atomic<uint64_t> consumed_{0};
  absl::Status status_;
  std::vector<char> raw_;
  size_t raw_len_ = 0;   // valid bytes in raw_
  bool raw_served_ = false;  // plain files: raw_ is already the get area
  std::vector<char> out_;
  std::unique_ptr<Inflater> inflater_;
};

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_INPUT_FILE_H_
