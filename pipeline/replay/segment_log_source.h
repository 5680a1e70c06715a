// Events from a riskflowd data directory whose event log is in segment
// files (riskflowd --event_log=segments: <data_dir>/log-segments). Read
// only: nothing is repaired or locked, so it works on a stopped daemon's
// directory and on a running one, where it reads what was written when
// each segment is reached; a partly written (or torn) record at the end of
// the last segment ends the stream, anywhere else it is DATA_LOSS.
#ifndef RISKFLOW_PIPELINE_REPLAY_SEGMENT_LOG_SOURCE_H_
#define RISKFLOW_PIPELINE_REPLAY_SEGMENT_LOG_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pipeline/replay/event_source.h"
#include "pipeline/replay/log_source.h"

namespace riskflow::replay {

// Whether `dir` holds at least one segment file.
bool HasSegments(const std::string& dir);

// `dir` is the segment directory itself.
absl::StatusOr<std::unique_ptr<EventSource>> OpenSegmentLogSource(
    const std::string& dir, const LogFilter& filter);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_SEGMENT_LOG_SOURCE_H_
