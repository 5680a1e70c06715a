// A file read for analysis: plain or gzip-compressed (detected by the magic
// bytes, not the name, so "decisions.jsonl" that is really gzipped still
// reads), "-" for standard input, consumed as a protobuf byte stream so the
// same source serves delimited protos and text lines.
#ifndef RISKFLOW_PIPELINE_REPORT_INPUT_FILE_H_
#define RISKFLOW_PIPELINE_REPORT_INPUT_FILE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace riskflow::report {

class InputFile {
 public:
  // NotFound / PermissionDenied / Unavailable with the OS reason:
  // "cannot open a.jsonl: No such file or directory".
  static absl::StatusOr<std::unique_ptr<InputFile>> Open(
      const std::string& path);
  ~InputFile();

  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // The (decompressed) bytes. After the stream ends, status() says whether
  // it ended cleanly.
  google::protobuf::io::ZeroCopyInputStream* stream() { return stream_; }

  // Up to `n` leading bytes of the content without consuming them (only
  // meaningful before reading).
  std::string Peek(int n);

  // The next line without its '\n' (or '\r\n'); false at the end.
  absl::StatusOr<bool> ReadLine(std::string* line);

  // A read or decompression error seen so far, naming the file.
  absl::Status status() const;

  const std::string& name() const { return name_; }
  bool gzipped() const { return gunzip_ != nullptr; }

 private:
  class Gunzip;
  InputFile(std::string name, int fd);

  std::string name_;
  int fd_;
  google::protobuf::io::FileInputStream file_;
  // protobuf's GzipInputStream reports a truncated file as a clean end, so
  // a cut-off replay output would pass as a shorter stream; Gunzip (zlib
  // directly) tells the two apart.
  std::unique_ptr<Gunzip> gunzip_;
  std::unique_ptr<google::protobuf::io::CopyingInputStreamAdaptor> adaptor_;
  google::protobuf::io::ZeroCopyInputStream* stream_;
};

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_INPUT_FILE_H_
