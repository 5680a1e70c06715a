// An account's recent events from the event log, with their decisions
// (issue 10, item 3: the case evidence). The log is keyed by sequence, not
// by account, so this reads it backwards from the durable end in chunks
// and keeps the account's events: the cost is the number of log records
// read, bounded per call by max_scan (docs/cases.md, "Recent events").
#ifndef RISKFLOW_PIPELINE_SERVER_ACCOUNT_EVENTS_H_
#define RISKFLOW_PIPELINE_SERVER_ACCOUNT_EVENTS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "pipeline/engine/engine.h"
#include "pipeline/log/event_log.h"
#include "proto/riskflow/v1/admin.pb.h"

namespace riskflow::server {

inline constexpr uint32_t kDefaultAccountEvents = 50;
inline constexpr uint32_t kMaxAccountEvents = 1000;
inline constexpr uint64_t kMaxAccountEventsScan = 200000;

struct AccountEventsQuery {
  std::string account_id;
  uint32_t limit = kDefaultAccountEvents;
  // Event time window start (Unix ms); 0: none.
  int64_t since_ms = 0;
  // Only sequences above this.
  uint64_t after_sequence = 0;
  // Log records read at most.
  uint64_t max_scan = kMaxAccountEventsScan;
  // How far an event's time may lie beyond the watermark logged with any
  // later event (allowed lateness + event-time skew): the scan may stop
  // once watermark + slack is before since_ms.
  int64_t time_slack_ms = 0;
  uint64_t chunk = 4096;
};

// Newest first. The engine may be null (no decisions then).
absl::StatusOr<riskflow::v1::GetAccountEventsResponse> ReadAccountEvents(
    log::EventLog* log, engine::Engine* engine,
    const AccountEventsQuery& query);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_ACCOUNT_EVENTS_H_
