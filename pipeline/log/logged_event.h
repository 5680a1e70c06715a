#ifndef RISKFLOW_PIPELINE_LOG_LOGGED_EVENT_H_
#define RISKFLOW_PIPELINE_LOG_LOGGED_EVENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::log {

// An event as the engine sees it: with its log sequence and the global
// event-time watermark at the moment it was logged. The watermark is
// computed in log order, so it is the same live, after recovery and in a
// replay of the same log, whatever the shard count.
struct LoggedEvent {
  uint64_t sequence = 0;
  int64_t watermark_ms = 0;
  riskflow::v1::Event event;
  // Logged from the priority lane (an Evaluate waits for its decision):
  // the shard ends its micro-batch at this event. Not stored in the log
  // record: it changes when a decision is published, never what it is.
  bool priority = false;

  bool late() const { return event.event_time_ms() < watermark_ms; }
};

// Log record value: 8-byte little-endian watermark, then the Event bytes.
std::string EncodeLogRecord(int64_t watermark_ms,
                            const riskflow::v1::Event& event);
absl::Status DecodeLogRecord(std::string_view value, LoggedEvent* out);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_LOGGED_EVENT_H_
