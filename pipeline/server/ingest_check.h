#ifndef RISKFLOW_PIPELINE_SERVER_INGEST_CHECK_H_
#define RISKFLOW_PIPELINE_SERVER_INGEST_CHECK_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "pipeline/log/event_log.h"
#include "pipeline/server/services.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::server {

// log::CheckIngestEvent with the daemon's limits and clock.
absl::Status CheckEvent(ServiceContext* ctx, riskflow::v1::Event* event);

// An event_id as it may be echoed in an ack: empty if it is not valid UTF-8
// or over the id bound (a proto3 string must be UTF-8, and an ack must not
// carry 40 MB back), card numbers masked.
std::string EchoableId(const ServiceContext& ctx, const std::string& event_id);

// The per-event message for a repeated id whose content differs from the
// logged original.
std::string ConflictMessage(log::Conflict conflict, uint64_t original_sequence);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_INGEST_CHECK_H_
