// How a decision becomes stored bytes (a sink outbox entry, a decision
// record) and how stored bytes become a decision again, so that no entry can
// block a sink or a look-up (issue 8: one plugin string with invalid UTF-8
// made Subscribe fail with DATA_LOSS at that entry for ever).
//
// Writing: every string is made valid UTF-8 (proto3 serializes invalid
// UTF-8 but refuses to parse it back), and an entry larger than
// kMaxSinkEntryBytes is cut down — messages and evidence dropped, then
// annotations — with a SINK_ENTRY_TRUNCATED annotation saying so. Routes,
// ids and reason codes always survive.
//
// Reading: a strict parse first; if that fails (entries written before this
// check existed), a lenient one that reads the wire format field by field
// and repairs invalid strings (U+FFFD), marked with an ENTRY_REPAIRED
// annotation; if even that fails, a placeholder with an ENTRY_UNREADABLE
// annotation. The caller fills in what it knows (sink sequence, route).
#ifndef RISKFLOW_PIPELINE_SINKS_SINK_ENTRY_H_
#define RISKFLOW_PIPELINE_SINKS_SINK_ENTRY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::sinks {

inline constexpr size_t kMaxSinkEntryBytes = 64 * 1024;

// The detector name of annotations the storage layer adds.
inline constexpr char kStorageDetector[] = "storage";
inline constexpr char kEntryTruncated[] = "SINK_ENTRY_TRUNCATED";
inline constexpr char kEntryRepaired[] = "ENTRY_REPAIRED";
inline constexpr char kEntryUnreadable[] = "ENTRY_UNREADABLE";

// What EncodeDecision does to the decision, without keeping the bytes (for
// decisions that are published but not stored, e.g. in a replay, so they
// equal the stored ones).
void MakeStorable(riskflow::v1::Decision* decision,
                  size_t max_bytes = kMaxSinkEntryBytes);

// Makes `decision` storable (valid UTF-8, at most max_bytes serialized; it
// is changed in place so what the engine publishes equals what it stored)
// and serializes it into *bytes.
void EncodeDecision(riskflow::v1::Decision* decision, std::string* bytes,
                    size_t max_bytes = kMaxSinkEntryBytes);
// The same, appending to *bytes (many decisions in one buffer).
void AppendEncodedDecision(riskflow::v1::Decision* decision, std::string* bytes,
                           size_t max_bytes = kMaxSinkEntryBytes);

// Whether every string field of d is valid UTF-8, by direct field access
// (the fast path of EncodeDecision). sink_entry_test checks it covers every
// string field decision.proto declares.
bool AllStringsValid(const riskflow::v1::Decision& d);

enum class DecodeResult { kOk, kRepaired, kUnreadable };

// Parses stored bytes; never fails. kRepaired: the lenient parse was
// needed. kUnreadable: *out is a placeholder holding only the
// ENTRY_UNREADABLE annotation. `what` names the entry in that annotation's
// message, e.g. "outbox FREEZE entry 84".
DecodeResult DecodeDecision(std::string_view bytes, std::string_view what,
                            riskflow::v1::Decision* out);

// Makes *out the placeholder DecodeDecision gives for unreadable bytes: only
// an ENTRY_UNREADABLE annotation with `message`.
void UnreadableEntry(std::string message, riskflow::v1::Decision* out);

}  // namespace riskflow::sinks

#endif  // RISKFLOW_PIPELINE_SINKS_SINK_ENTRY_H_
