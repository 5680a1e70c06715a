#ifndef RISKFLOW_TOOLS_RISKFLOWD_INGEST_FLAGS_H_
#define RISKFLOW_TOOLS_RISKFLOWD_INGEST_FLAGS_H_

#include "absl/status/status.h"
#include "pipeline/log/ingest_limits.h"

namespace riskflow::riskflowd {

// Fills the input-validation limits from --max_event_skew,
// --min_event_time, --max_amount_minor, --max_field_bytes and --pan_policy
// (docs/input-validation.md). Fails naming the flag.
absl::Status IngestLimitsFromFlags(log::IngestLimits* limits);

}  // namespace riskflow::riskflowd

#endif  // RISKFLOW_TOOLS_RISKFLOWD_INGEST_FLAGS_H_
