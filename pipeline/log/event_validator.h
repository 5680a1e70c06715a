#ifndef RISKFLOW_PIPELINE_LOG_EVENT_VALIDATOR_H_
#define RISKFLOW_PIPELINE_LOG_EVENT_VALIDATOR_H_

#include <cstdint>

#include "absl/status/status.h"
#include "pipeline/log/ingest_limits.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::log {

// Defaults of IngestLimits, kept for callers that predate it.
inline constexpr size_t kMaxIdLength = 128;
inline constexpr size_t kMaxAttributes = 64;
inline constexpr size_t kMaxAttributeBytes = 4096;

// Checks an event before it may enter the durable log. The error is one
// sentence naming the field and the problem, e.g.
// "amount_minor: must not be negative, got -5". Every string field must be
// valid UTF-8 and within its length bound; no message echoes a string that
// failed those checks. Neither card numbers nor the server clock are looked
// at here (see CheckIngestEvent).
absl::Status ValidateEvent(const riskflow::v1::Event& event,
                           const IngestLimits& limits);
absl::Status ValidateEvent(const riskflow::v1::Event& event);

// What riskflowd runs on every published or evaluated event: ValidateEvent,
// then the card-number policy (which may mask fields in place), then the
// event time against now_ms + limits.max_event_skew_ms. A card number is
// reported by field name only, never by its digits.
absl::Status CheckIngestEvent(riskflow::v1::Event* event,
                              const IngestLimits& limits, int64_t now_ms);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_EVENT_VALIDATOR_H_
