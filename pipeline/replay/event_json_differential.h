// The contract the differential tests of the JSONL fast path check, and
// small helpers to build lines: ParseEventJson must give the same Event, or
// the same error, as protobuf's parser alone (ParseEventJsonGeneral); and
// whenever the fast path says it handled a line, its Event must be the
// protobuf one, byte for byte.
#ifndef RISKFLOW_PIPELINE_REPLAY_EVENT_JSON_DIFFERENTIAL_H_
#define RISKFLOW_PIPELINE_REPLAY_EVENT_JSON_DIFFERENTIAL_H_

#include <string>

#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {

// Deterministic serialization (sorted map entries) keeps -0.0 apart from
// 0.0 and compares NaN payloads exactly, which field-wise equality would
// not.
std::string Bytes(const riskflow::v1::Event& event);

// Printable form of a line for failure messages (it may hold any byte).
std::string Show(const std::string& line);

// {"key":value}
std::string Field(const std::string& key, const std::string& value);
// The same in a realistic line, so the value is not alone in its object.
std::string InLine(const std::string& key, const std::string& value);

// The whole contract for one line, as gtest expectations. Returns whether
// the fast path took the line.
bool ExpectSameAsProtobuf(const std::string& line);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_EVENT_JSON_DIFFERENTIAL_H_
