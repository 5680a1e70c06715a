// A fast path for ParseEventJson (jsonl_reader.h) built on simdjson.
//
// Why: protobuf's JsonStringToMessage parses only some tens of thousands of
// events/s on the development machine (12-60K, depending on load), so a
// replay from JSONL was bound by JSON parsing rather than by the engine
// (>100K events/s from protobuf input). This path is ~13x faster on such
// lines (docs/benchmarks.md, "JSONL event parsing").
//
// The rule: for every input, ParseEventJson must give exactly what the
// protobuf parser alone gives — the same Event, or an error. The fast path
// therefore handles only a strict subset it can decode with certainty and
// declines everything else, leaving it to the protobuf parser, which stays
// the authority (and produces every error message):
//
//   * one JSON object of at most 64 KiB (nothing after it, no byte below
//     0x20 anywhere);
//   * keys are Event's proto field names or their lowerCamelCase JSON names,
//     written without escapes, each field at most once (counting
//     "event_id" and "eventId" as the same field);
//   * string fields: JSON strings;
//   * int64 fields: JSON integers in range, or decimal strings such as
//     "123" / "-45" (no sign '+', no leading zeros, no "-0", no spaces);
//   * `type`: one of EventType's value names, as a string;
//   * double fields: JSON numbers, converted by protobuf's own
//     NoLocaleStrtod, except zeros other than the literal 0 (protobuf reads
//     "-0" as an integer and gives +0.0) and integer literals of more than
//     15 digits;
//   * `attributes`: an object of non-empty, distinct keys to strings.
//
// Null values, numeric or unknown enums, quoted doubles, "NaN", exponents or
// fractions for integers, unknown or duplicate keys, duplicate map keys,
// nested values where a scalar belongs, invalid JSON and anything else all
// return false. Strings that came through an escape are checked to still be
// valid UTF-8 (simdjson already refuses a lone surrogate such as \uDC00;
// the check keeps that from resting on one library version).
//
// At first use the fast path checks Event's descriptor against the field
// list it was written for; if the message has changed it disables itself
// (every call returns false) rather than guess.
#ifndef RISKFLOW_PIPELINE_REPLAY_EVENT_JSON_FAST_H_
#define RISKFLOW_PIPELINE_REPLAY_EVENT_JSON_FAST_H_

#include <string_view>

#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {

// Parses `json` into `*out` (which is cleared first) and returns true, or
// returns false meaning "not handled here: use the general parser"; `*out`
// is then unspecified. Never logs, never throws. Thread-safe: each thread
// keeps its own simdjson parser and padded buffer.
bool TryParseEventJsonFast(std::string_view json, riskflow::v1::Event* out);

// False when Event's descriptor no longer matches what the fast path was
// written for, so it declines every input (tests assert it is on).
bool EventJsonFastPathEnabled();

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_EVENT_JSON_FAST_H_
