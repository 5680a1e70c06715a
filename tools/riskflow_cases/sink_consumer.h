// The case service's consumer of riskflowd's FREEZE and MANUAL_REVIEW
// sinks over the public Sinks API, like any downstream system.
//
// Exactly-once into the case database: each batch read from a sink is
// ingested in one SQLite transaction that also stores the sink position it
// reaches, and the next Subscribe starts after that stored position. Only
// then is the cursor committed to riskflowd (so `riskflow tail
// --from_committed` and riskflowd's consumer lag show where cases are).
// A crash between the two commits re-reads at most one batch, which the
// store recognises by decision_id and skips.
#ifndef RISKFLOW_TOOLS_RISKFLOW_CASES_SINK_CONSUMER_H_
#define RISKFLOW_TOOLS_RISKFLOW_CASES_SINK_CONSUMER_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/cases/case_store.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"

namespace riskflow::cases {

struct ConsumerOptions {
  std::string consumer = "riskflow-cases";
  // Decisions per Subscribe call, i.e. per database transaction.
  uint64_t batch = 1000;
  // Wait this long when a sink has nothing new (Subscribe stops at the end
  // of the backlog, so the consumer polls).
  absl::Duration idle_poll = absl::Milliseconds(100);
  // Sleep after each committed batch: a throttle for operators and for the
  // restart test, which kills the service while it is mid-stream.
  absl::Duration batch_delay = absl::ZeroDuration();
  // Return once both sinks are drained instead of following them.
  bool once = false;
};

struct ConsumerStats {
  int64_t batches = 0;
  int64_t decisions = 0;
  IngestResult ingested;
};

// Consumes one sink until *stop (or the backlog ends with options.once).
// Transport errors are retried with a back-off and reported to `log`;
// database errors end the loop with that error.
absl::Status ConsumeSink(riskflow::v1::Sinks::StubInterface* stub,
                         CaseStore* store, riskflow::v1::Route sink,
                         const ConsumerOptions& options,
                         const std::atomic<bool>* stop, ConsumerStats* stats,
                         std::ostream* log);

// One Subscribe round: reads up to options.batch decisions after the
// store's cursor and ingests them. The number of decisions read.
absl::StatusOr<int64_t> ConsumeBatch(riskflow::v1::Sinks::StubInterface* stub,
                                     CaseStore* store,
                                     riskflow::v1::Route sink,
                                     const ConsumerOptions& options,
                                     ConsumerStats* stats);

}  // namespace riskflow::cases

#endif  // RISKFLOW_TOOLS_RISKFLOW_CASES_SINK_CONSUMER_H_
