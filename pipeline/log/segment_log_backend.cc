// Records in append-only segment files (pipeline/log/segment/): one Write
// (one pwritev) per group; Sync is the segment log's (fdatasyncs that may
// overlap). There is no meta entry: Open recovers the running max event
// time from the last record, see below.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/log/log_backend.h"
#include "pipeline/log/logged_event.h"

namespace riskflow::log {
namespace {

class SegmentLogBackend : public LogBackend {
 public:
  SegmentLogBackend(std::string dir, segment::SegmentLogOptions options,
                    int64_t allowed_lateness_ms)
      : dir_(std::move(dir)),
        options_(std::move(options)),
        lateness_ms_(allowed_lateness_ms) {}

  absl::StatusOr<BackendState> Open() override {
    auto log = segment::SegmentLog::Open(dir_, options_);
    if (!log.ok()) return log.status();
    log_ = std::move(*log);
    BackendState state;
    state.last_sequence = log_->next_sequence() - 1;
    if (state.last_sequence == 0) return state;
    absl::StatusOr<std::optional<std::string>> last =
        log_->Read(state.last_sequence);
    if (!last.ok()) return last.status();
    if (!last->has_value()) {
      return absl::DataLossError(absl::StrCat(
          "segment log ", dir_, " has no record for its last sequence ",
          state.last_sequence));
    }
    LoggedEvent logged;
    if (auto s = DecodeLogRecord(**last, &logged); !s.ok()) {
      return absl::DataLossError(absl::StrCat(
          "segment log ", dir_, " sequence ", state.last_sequence, ": ",
          s.message()));
    }
    // The last record's watermark is the max event time before it minus
    // the lateness; the record's own event time may have raised it. (When
    // that event time was ahead of the clock the writer clamped it; the
    // caller clamps to its clock again, which can only be later.)
    state.max_event_time_ms =
        std::max<int64_t>({0, logged.watermark_ms + lateness_ms_,
                           logged.event.event_time_ms()});
    return state;
  }

  absl::Status Write(GroupWrite& group) override {
    if (group.records.empty()) return absl::OkStatus();
    if (!group.idem_entries.empty()) {
      return absl::InternalError(
          "the segment log keeps no idempotency entries (its index is in "
          "memory)");
    }
    absl::StatusOr<uint64_t> first = log_->Write(group.records);
    if (!first.ok()) return first.status();
    if (*first != group.first_sequence) {
      // Only one writer appends, so this means the files changed under us.
      return absl::DataLossError(absl::StrCat(
          "segment log ", dir_, " appended at sequence ", *first,
          ", expected ", group.first_sequence));
    }
    return absl::OkStatus();
  }

  // Without options_.sync a written group counts as synced.
  absl::StatusOr<uint64_t> Sync() override {
    absl::StatusOr<uint64_t> next = log_->Sync();
    if (!next.ok()) return next.status();
    return *next - 1;
  }

  absl::StatusOr<std::optional<std::string>> Read(uint64_t sequence) override {
    return log_->Read(sequence);
  }

  absl::Status Scan(uint64_t after,
                    const std::function<bool(uint64_t, std::string_view)>& fn)
      override {
    return log_->Scan(after + 1, fn);
  }

  uint64_t first_sequence() override { return log_->first_sequence(); }

 private:
  const std::string dir_;
  const segment::SegmentLogOptions options_;
  const int64_t lateness_ms_;
  std::unique_ptr<segment::SegmentLog> log_;
};

}  // namespace

std::unique_ptr<LogBackend> NewSegmentLogBackend(
    std::string dir, segment::SegmentLogOptions options,
    int64_t allowed_lateness_ms) {
  return std::make_unique<SegmentLogBackend>(std::move(dir),
                                             std::move(options),
                                             allowed_lateness_ms);
}

}  // namespace riskflow::log
