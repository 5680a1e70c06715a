#include "pipeline/report/full_decisions.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "pipeline/report/input_file.h"

namespace riskflow::report {

absl::Status ForEachDecision(
    const std::string& path,
    const std::function<absl::Status(const riskflow::v1::Decision&)>& fn) {
  absl::StatusOr<std::unique_ptr<InputFile>> file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  InputFile& in = **file;
  riskflow::v1::Decision d;
  const std::string head = in.Peek(1);
  if (head.empty()) return in.status();
  if (head[0] == '{') {
    std::string line;
    int64_t n = 0;
    while (true) {
      absl::StatusOr<bool> more = in.ReadLine(&line);
      if (!more.ok()) return more.status();
      if (!*more) break;
      ++n;
      if (line.empty()) continue;
      d.Clear();
      auto s = google::protobuf::util::JsonStringToMessage(line, &d);
      if (!s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":", n, ": not a decision: ", s.message().ToString()));
      }
      if (absl::Status st = fn(d); !st.ok()) return st;
    }
    return in.status();
  }
  int64_t n = 0;
  while (true) {
    bool clean_eof = false;
    d.Clear();
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(
            &d, in.stream(), &clean_eof)) {
      if (clean_eof) break;
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": record ", n + 1, ": not a decision"));
    }
    ++n;
    if (absl::Status st = fn(d); !st.ok()) return st;
  }
  return in.status();
}

}  // namespace riskflow::report
