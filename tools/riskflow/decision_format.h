// How the CLI shows routes and decisions to a person.
#ifndef RISKFLOW_TOOLS_RISKFLOW_DECISION_FORMAT_H_
#define RISKFLOW_TOOLS_RISKFLOW_DECISION_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::cli {

// "FREEZE", "NOTIFY", ...; the number for values this build does not know.
std::string RouteName(riskflow::v1::Route route);

// FREEZE, NOTIFY or MANUAL_REVIEW, case-insensitive ("manual-review" too).
// Anything else is an error listing the valid sinks.
absl::StatusOr<riskflow::v1::Route> ParseSink(const std::string& text);

// "2026-01-01T00:00:00.000Z".
std::string FormatEventTime(int64_t event_time_ms);

// One line per decision for `riskflow tail`:
// "#12 FREEZE card-acq-1/e-000123 account=acct-0042
//  velocity_extreme:VELOCITY velocity_burst:VELOCITY"
// Annotations that failed open are marked "(degraded)", late events "late".
std::string FormatDecisionLine(const riskflow::v1::Decision& decision);

// A readable multi-line form for `riskflow evaluate --format text`.
std::string FormatDecisionText(const riskflow::v1::Decision& decision,
                               bool duplicate);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_DECISION_FORMAT_H_
