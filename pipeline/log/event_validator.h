#ifndef RISKFLOW_PIPELINE_LOG_EVENT_VALIDATOR_H_
#define RISKFLOW_PIPELINE_LOG_EVENT_VALIDATOR_H_

#include "absl/status/status.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::log {

// Limits that keep one event from hurting the engine or the log.
inline constexpr size_t kMaxIdLength = 128;
inline constexpr size_t kMaxAttributes = 64;
inline constexpr size_t kMaxAttributeBytes = 4096;

// Checks an event before it may enter the durable log. The error is one
// sentence naming the field and the problem, e.g.
// "amount_minor: must not be negative, got -5".
absl::Status ValidateEvent(const riskflow::v1::Event& event);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_EVENT_VALIDATOR_H_
