#include "tools/riskflow_cases/sink_consumer.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"

namespace riskflow::cases {

namespace {

absl::Status FromGrpc(const std::string& what, const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

void SleepUnless(absl::Duration d, const std::atomic<bool>* stop) {
  const absl::Time until = absl::Now() + d;
  while (absl::Now() < until && (stop == nullptr || !stop->load())) {
    absl::SleepFor(std::min(absl::Milliseconds(50), until - absl::Now()));
  }
}

}  // namespace

absl::StatusOr<int64_t> ConsumeBatch(riskflow::v1::Sinks::StubInterface* stub,
                                     CaseStore* store,
                                     riskflow::v1::Route sink,
                                     const ConsumerOptions& options,
                                     ConsumerStats* stats) {
  absl::StatusOr<uint64_t> cursor = store->SinkCursor(sink);
  if (!cursor.ok()) return cursor.status();
  riskflow::v1::SubscribeRequest request;
  request.set_sink(sink);
  request.set_after_sequence(*cursor);
  request.set_consumer(options.consumer);
  request.set_stop_at_end(true);
  request.set_max_decisions(options.batch);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  std::unique_ptr<grpc::ClientReaderInterface<riskflow::v1::Decision>> reader =
      stub->Subscribe(&context, request);
  std::vector<riskflow::v1::Decision> batch;
  riskflow::v1::Decision d;
  while (reader->Read(&d)) batch.push_back(std::move(d));
  grpc::Status finish = reader->Finish();
  // Whatever arrived before an error is still good: ingest it, so a
  // flapping connection still makes progress.
  if (!batch.empty()) {
    const uint64_t last = batch.back().sink_sequence();
    absl::StatusOr<IngestResult> r = store->IngestDecisions(sink, batch, last);
    if (!r.ok()) return r.status();
    ++stats->batches;
    stats->decisions += static_cast<int64_t>(batch.size());
    stats->ingested.opened += r->opened;
    stats->ingested.attached += r->attached;
    stats->ingested.duplicates += r->duplicates;
    // Only now, with the cases durable in our database, tell riskflowd.
    riskflow::v1::CommitCursorRequest commit;
    commit.set_sink(sink);
    commit.set_consumer(options.consumer);
    commit.set_sequence(last);
    riskflow::v1::CommitCursorResponse response;
    grpc::ClientContext commit_context;
    commit_context.set_deadline(std::chrono::system_clock::now() +
                                std::chrono::seconds(10));
    grpc::Status cs = stub->CommitCursor(&commit_context, commit, &response);
    if (!cs.ok()) return FromGrpc("CommitCursor", cs);
  }
  if (!finish.ok()) return FromGrpc("Subscribe", finish);
  return static_cast<int64_t>(batch.size());
}

absl::Status ConsumeSink(riskflow::v1::Sinks::StubInterface* stub,
                         CaseStore* store, riskflow::v1::Route sink,
                         const ConsumerOptions& options,
                         const std::atomic<bool>* stop, ConsumerStats* stats,
                         std::ostream* log) {
  absl::Duration backoff = absl::Milliseconds(200);
  while (stop == nullptr || !stop->load()) {
    absl::StatusOr<int64_t> n =
        ConsumeBatch(stub, store, sink, options, stats);
    if (!n.ok()) {
      const absl::StatusCode code = n.status().code();
      const bool transport = code == absl::StatusCode::kUnavailable ||
                             code == absl::StatusCode::kDeadlineExceeded ||
                             code == absl::StatusCode::kCancelled ||
                             code == absl::StatusCode::kResourceExhausted;
      // A database error is ours to report, not to retry blindly; a failed
      // CommitCursor or Subscribe is riskflowd's side and retried.
      const bool rpc =
          n.status().message().rfind("Subscribe", 0) == 0 ||
          n.status().message().rfind("CommitCursor", 0) == 0;
      if (!transport && !rpc) return n.status();
      if (log != nullptr) {
        *log << "riskflow-cases: " << riskflow::v1::Route_Name(sink) << ": "
             << n.status().message() << " (retrying in " << backoff << ")\n";
      }
      SleepUnless(backoff, stop);
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    backoff = absl::Milliseconds(200);
    if (*n == 0) {
      if (options.once) return absl::OkStatus();
      SleepUnless(options.idle_poll, stop);
    } else if (options.batch_delay > absl::ZeroDuration()) {
      SleepUnless(options.batch_delay, stop);
    }
  }
  return absl::OkStatus();
}

}  // namespace riskflow::cases
