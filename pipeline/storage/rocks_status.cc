#include "pipeline/storage/rocks_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace riskflow::storage {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(std::string(what), ": ", s.ToString());
  using Code = rocksdb::Status::Code;
  switch (s.code()) {
    case Code::kNotFound:
      return absl::NotFoundError(msg);
    case Code::kCorruption:
      return absl::DataLossError(msg);
    case Code::kNotSupported:
      return absl::UnimplementedError(msg);
    case Code::kInvalidArgument:
      return absl::InvalidArgumentError(msg);
    case Code::kIOError:
      // A full disk is an operator problem worth its own code; other I/O
      // errors are not known to be transient, so they are not Unavailable.
      if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
      return absl::InternalError(msg);
    case Code::kIncomplete:
    case Code::kTryAgain:
      return absl::UnavailableError(msg);
    case Code::kShutdownInProgress:
    case Code::kColumnFamilyDropped:
      return absl::CancelledError(msg);
    case Code::kTimedOut:
      return absl::DeadlineExceededError(msg);
    case Code::kAborted:
    case Code::kBusy:
      return absl::AbortedError(msg);
    case Code::kExpired:
      return absl::DeadlineExceededError(msg);
    default:
      return absl::InternalError(msg);
  }
}

}  // namespace riskflow::storage
