// Streams events from a JSONL reader over Ingest.Publish with a bounded
// number of batches in flight, and tallies the acks.
//
// The writer (the calling thread) blocks once `window` batches are
// unacknowledged; a reader thread consumes acks, so a slow group commit on
// the daemon throttles the client instead of growing its memory.
#ifndef RISKFLOW_TOOLS_RISKFLOW_PUBLISHER_H_
#define RISKFLOW_TOOLS_RISKFLOW_PUBLISHER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "pipeline/replay/jsonl_reader.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"

namespace riskflow::cli {

struct Rejection {
  int64_t line = 0;  // line of the event in the input file
  std::string event_id;
  std::string message;
};

struct PublishSummary {
  int64_t published = 0;  // events written to the stream
  int64_t batches = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  // Lines that are not a JSON event: skipped (never sent), each listed in
  // rejections with its line number.
  int64_t unparseable = 0;
  std::vector<Rejection> rejections;  // ordered by line
  // Events in batches the stream ended without acknowledging; their fate is
  // unknown (re-publishing is safe: event ids are idempotent).
  int64_t unacknowledged = 0;
  uint64_t durable_sequence = 0;  // highest seen in any ack
  double seconds = 0;
  // Why reading the input stopped early (an I/O error; a malformed line is
  // skipped, not a stop).
  absl::Status read_status;
  // How the Publish stream ended.
  grpc::Status stream_status;
};

struct PublisherConfig {
  int64_t batch_size = 1000;
  int64_t window = 8;
};

// Reads `reader` to the end (or its first I/O error) and publishes every
// event; lines that do not parse are skipped and reported. Never throws, never exits; the summary says what
// happened. A batch is cut early when it would otherwise hold the same
// channel/event_id twice, so a re-send in the input is answered as a
// duplicate rather than rejected as DUPLICATE_IN_BATCH.
PublishSummary PublishEvents(riskflow::replay::JsonlEventReader& reader,
                             const PublisherConfig& config,
                             riskflow::v1::Ingest::StubInterface* stub);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PUBLISHER_H_
