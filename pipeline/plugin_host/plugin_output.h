// Everything a plugin hands back is foreign input: it is checked here, like
// client input at ingest, before it can reach a proto, a store or a log.
//
// An annotation that breaks a rule (invalid UTF-8, a field over its limit,
// too many evidence entries, a non-finite score) is not stored at all: the
// host puts one degraded INVALID_PLUGIN_OUTPUT annotation in its place,
// routed by the detector's on_error policy, and the call counts as a fault
// (see ShardDetectors::Run). Error and log text is cleaned instead (invalid
// bytes replaced, control characters blanked, cut to a bound), because it
// only ever serves as a message.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_OUTPUT_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_OUTPUT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "plugins/sdk/riskflow_plugin.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::plugin_host {

// Per-field limits on plugin output, in bytes unless noted.
inline constexpr size_t kMaxReasonCodeBytes = 64;
inline constexpr size_t kMaxMessageBytes = 1024;
inline constexpr size_t kMaxEvidenceEntries = 32;
inline constexpr size_t kMaxEvidenceKeyBytes = 64;
inline constexpr size_t kMaxEvidenceValueBytes = 256;
// All strings of one annotation together.
inline constexpr size_t kMaxAnnotationBytes = 8 * 1024;
// Annotations one detector may emit for one event; more is a fault.
inline constexpr size_t kMaxAnnotationsPerCall = 16;
// last_error / create() error text and log lines are cut to this.
inline constexpr size_t kMaxPluginTextBytes = 1024;
// Names and keys a plugin passes to host state calls.
inline constexpr size_t kMaxStateNameBytes = 128;
inline constexpr size_t kMaxStateKeyBytes = 4 * 1024;
inline constexpr size_t kMaxStateValueBytes = 64 * 1024;

inline constexpr char kInvalidPluginOutput[] = "INVALID_PLUGIN_OUTPUT";

// OK, or InvalidArgument naming the first offending field and its limit,
// e.g. "evidence[3].value: 300 bytes, limit 256". Never echoes the bytes.
absl::Status CheckAnnotation(const rf_annotation& raw);

// Validated, cleaned text for a message or a log line (see
// text::CleanPluginText).
std::string CleanText(std::string_view text,
                      size_t max_bytes = kMaxPluginTextBytes);

// Checks a name or key a plugin passes to a host state call.
absl::Status CheckStateName(std::string_view name);
absl::Status CheckStateBytes(const char* what, std::string_view bytes,
                             size_t max_bytes);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PLUGIN_OUTPUT_H_
