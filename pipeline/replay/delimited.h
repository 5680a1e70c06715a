// Length-delimited protobuf records: a varint byte length, then the
// message bytes (Java's writeDelimitedTo, protobuf's
// util::SerializeDelimitedToOstream). Used for proto input files, proto
// decision output and the replayer's per-shard spill files.
#ifndef RISKFLOW_PIPELINE_REPLAY_DELIMITED_H_
#define RISKFLOW_PIPELINE_REPLAY_DELIMITED_H_

#include <cstdint>
#include <streambuf>
#include <string>

#include "google/protobuf/message_lite.h"

namespace riskflow::replay {

// A record larger than this is taken as a corrupt length, not a message:
// the engine's own limits keep events and decisions far below it.
inline constexpr uint64_t kMaxDelimitedBytes = 64 << 20;

// Appends one record with deterministic serialization (map entries sorted),
// so equal messages always give equal bytes.
void AppendDelimited(const google::protobuf::MessageLite& message,
                     std::string* out);

enum class DelimitedRead { kRecord, kEnd, kTruncated, kTooLarge };

// Reads one record's bytes. kEnd only at a clean record boundary;
// `consumed` (if not null) grows by the bytes read.
DelimitedRead ReadDelimited(std::streambuf* in, std::string* bytes,
                            uint64_t* consumed);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_DELIMITED_H_
