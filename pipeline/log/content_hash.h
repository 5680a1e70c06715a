#ifndef RISKFLOW_PIPELINE_LOG_CONTENT_HASH_H_
#define RISKFLOW_PIPELINE_LOG_CONTENT_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::log {

// A 64-bit fingerprint of an event's content: XXH3 of its deterministic
// serialization (map entries sorted, so the same content hashes the same in
// every process). Two events with one event_id and different fingerprints
// are a conflict, not a duplicate. A collision (odds 2^-64 per pair) would
// report a conflicting resend as an ordinary duplicate, as before this
// check existed.
uint64_t ContentHash(const riskflow::v1::Event& event);

// EncodeLogRecord's value (8-byte watermark, then the Event) with the Event
// serialized deterministically, and its ContentHash from the same bytes in
// *content_hash: one serialization instead of two. The segment log writes
// its records this way, so XXH3_64bits(record without its first 8 bytes)
// is the content hash when its index is rebuilt from the log.
std::string EncodeHashedLogRecord(int64_t watermark_ms,
                                  const riskflow::v1::Event& event,
                                  uint64_t* content_hash);
uint64_t ContentHashOfRecord(std::string_view record);

// The idempotency index value: the sequence key (8 bytes), then the content
// hash (8 bytes, little-endian). Entries written before the hash existed
// hold the sequence key only.
std::string EncodeIdemValue(uint64_t sequence, uint64_t content_hash);
// false if `value` is neither form.
bool DecodeIdemValue(std::string_view value, uint64_t* sequence,
                     bool* has_hash, uint64_t* content_hash);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_CONTENT_HASH_H_
