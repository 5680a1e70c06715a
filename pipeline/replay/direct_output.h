// The replay's output file: written through one reused, page-aligned
// buffer with O_DIRECT where the file system allows it, and hashed
// (SHA-256) over exactly the bytes written.
//
// Why O_DIRECT: a replay writes ~150 B per event (450 MB for 3M events)
// that nobody reads back during the run. Through the page cache every byte
// is copied into freshly allocated page-cache pages, and first touches of
// fresh memory are very expensive on the VMs we measure on: `dd bs=1M` of
// 450 MB cost 2.3 s of system CPU buffered and 0.04 s with oflag=direct
// (docs/benchmarks.md, "Replay, issue 9 sixth session"). The device reads
// straight from our buffer instead. File systems that refuse O_DIRECT
// (tmpfs, some FUSE mounts) get ordinary buffered writes; the bytes are the
// same either way.
#ifndef RISKFLOW_PIPELINE_REPLAY_DIRECT_OUTPUT_H_
#define RISKFLOW_PIPELINE_REPLAY_DIRECT_OUTPUT_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace riskflow::replay {

class DirectOutput {
 public:
  // Block size every O_DIRECT write (offset, length, buffer) is aligned to;
  // 4 KiB covers 512-byte and 4 KiB logical blocks.
  static constexpr size_t kAlign = 4096;
  // Bytes per write(): large writes keep the syscall count negligible.
  static constexpr size_t kDefaultBufferBytes = size_t{4} << 20;

  explicit DirectOutput(std::string path,
                        size_t buffer_bytes = kDefaultBufferBytes);
  ~DirectOutput();
  DirectOutput(const DirectOutput&) = delete;
  DirectOutput& operator=(const DirectOutput&) = delete;

  // Creates (truncates) the file. `direct` false: never O_DIRECT (tests).
  absl::Status Open(bool direct = true);
  // Appends bytes; writes whenever the buffer is full.
  absl::Status Append(const char* data, size_t size);
  // Writes the rest, closes the file, returns the hex SHA-256 of it all.
  absl::StatusOr<std::string> Finish();

  // Whether writes currently bypass the page cache (tests, diagnostics).
  bool direct() const { return direct_; }

 private:
  // Writes buffer_[0, size) (size a multiple of kAlign unless `last`).
  absl::Status WriteBuffer(size_t size);
  // Turns O_DIRECT off for the rest of the file (a file system that took
  // the flag at open but refuses the writes, or the unaligned tail).
  bool DropDirect();

  const std::string path_;
  const size_t capacity_;
  int fd_ = -1;
  bool direct_ = false;
  char* buffer_ = nullptr;
  size_t size_ = 0;
  EVP_MD_CTX* ctx_ = nullptr;
};

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_DIRECT_OUTPUT_H_
