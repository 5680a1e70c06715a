// The replay's decision output, written while the engine runs.
//
// Each shard hands its committed decisions (in sequence order within the
// shard) to Add from the decision observer, on its own thread, which
// serialises them into a reused per-shard buffer; a writer thread copies
// those bytes to the file in global sequence order (direct_output.h). Logged sequences are
// contiguous from 1, so the writer always knows which decision comes next
// and never waits for an idle shard. The output therefore depends only on
// the decisions, never on how events were spread over shards or
// micro-batches.
//
// Why not per-shard spill files merged at the end: the merge was a serial
// tail of ~10% of a replay, plus a serialize/parse round trip per decision.
// Queues are unbounded so a shard never blocks on output (a bounded queue
// could deadlock: the writer waits for shard A while the event log is
// blocked dispatching to shard B, whose output is full). They stay small in
// practice: the writer is ~10x faster per decision than the engine, and a
// shard can run ahead of another only by the engine's queue capacities.
#ifndef RISKFLOW_PIPELINE_REPLAY_DECISION_OUTPUT_H_
#define RISKFLOW_PIPELINE_REPLAY_DECISION_OUTPUT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::replay {

enum class OutputFormat {
  kJsonl,  // one DecisionToJson line per decision
  kProto,  // length-delimited riskflow.v1.Decision, deterministic bytes
};

// "jsonl" (or "json"), "proto" (or "pb").
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text);

struct OutputSummary {
  uint64_t decisions = 0;
  std::map<std::string, uint64_t> routes;         // "FREEZE" -> count
  std::map<std::string, uint64_t> detector_hits;  // decisions it annotated
  std::string sha256;                              // of the output file
};

class DecisionWriter {
 public:
  // Writes to `path`.partial, renamed to `path` by a successful Finish, so
  // a failed replay leaves no half file that looks complete.
  DecisionWriter(std::string path, OutputFormat format, uint32_t shards);
  ~DecisionWriter();
  DecisionWriter(const DecisionWriter&) = delete;
  DecisionWriter& operator=(const DecisionWriter&) = delete;

  absl::Status Open();  // creates the file, starts the writer thread

  // From shard `shard`'s thread: its next committed decisions. They are
  // serialised and counted here, on that thread, so the writer thread only
  // copies bytes in sequence order to the file.
  void Add(uint32_t shard, const std::vector<riskflow::v1::Decision>& d);

  // The first write error, if any (cheap; lets the feeder stop early).
  absl::Status status() const;

  // After every shard has stopped: writes the rest, checks that exactly
  // sequences 1..`expected` arrived, closes and renames the file.
  absl::StatusOr<OutputSummary> Finish(uint64_t expected);

 private:
  struct Chunk;
  struct ShardTally;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_DECISION_OUTPUT_H_
