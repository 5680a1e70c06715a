// Events from a riskflowd data directory's own event log, opened read-only
// (rocksdb::DB::OpenForReadOnly takes no lock, so it works on a stopped
// daemon's directory and on a running one, where it sees the log as of the
// open). Events come in log (sequence) order; the replay logs them again
// in its own state directory, so its sequences count the selected events.
#ifndef RISKFLOW_PIPELINE_REPLAY_LOG_SOURCE_H_
#define RISKFLOW_PIPELINE_REPLAY_LOG_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/replay/event_source.h"

namespace riskflow::replay {

// Which logged events to replay; every set condition must hold.
struct LogFilter {
  std::optional<int64_t> from_ms;  // event time >= from_ms
  std::optional<int64_t> to_ms;    // event time < to_ms
  std::vector<std::string> channels;  // empty: all
  std::vector<std::string> accounts;  // empty: all
};

// `data_dir` is riskflowd's --data_dir (the log is its log/ subdirectory);
// the log directory itself is accepted too.
absl::StatusOr<std::unique_ptr<EventSource>> OpenLogSource(
    const std::string& data_dir, const LogFilter& filter);

// The directory OpenLogSource reads for `data_dir`, or NotFound.
absl::StatusOr<std::string> ResolveLogDir(const std::string& data_dir);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_LOG_SOURCE_H_
