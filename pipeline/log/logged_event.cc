#include "pipeline/log/logged_event.h"

#include "absl/strings/str_cat.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::log {

using storage::GetFixed64;
using storage::PutFixed64;

std::string EncodeLogRecord(int64_t watermark_ms,
                            const riskflow::v1::Event& event) {
  std::string value;
  value.reserve(8 + event.ByteSizeLong());
  PutFixed64(&value, static_cast<uint64_t>(watermark_ms));
  event.AppendToString(&value);
  return value;
}

absl::Status DecodeLogRecord(std::string_view value, LoggedEvent* out) {
  if (value.size() < 8) {
    return absl::DataLossError(
        absl::StrCat("log record of ", value.size(), " bytes is truncated"));
  }
  out->watermark_ms = static_cast<int64_t>(GetFixed64(value));
  value.remove_prefix(8);
  if (!out->event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("log record holds an unparseable event");
  }
  return absl::OkStatus();
}

}  // namespace riskflow::log
