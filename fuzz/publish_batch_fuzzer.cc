// The bytes of one Publish message, through what riskflowd does with them
// (pipeline/server/publish_reactor.cc): gRPC's deserialization of a
// PublishRequest from a ByteBuffer, then PrepareBatch (per-event
// validation, hand-off to the log) and FinishAck against a real EventLog
// on a real RocksDB store in a scratch directory (unsynced, so a run is
// not bound by fsync). Properties: nothing crashes; a refused batch accepts
// nothing; otherwise every event of the batch is accounted for exactly once
// in the ack (accepted, a per-event error, or a duplicate) and every index
// named is in range.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "fuzz/fuzz_util.h"
#include "grpc/grpc.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/byte_buffer.h"
#include "pipeline/log/event_log.h"
#include "pipeline/server/publish_batch.h"
#include "pipeline/server/services.h"
#include "pipeline/storage/store.h"

namespace {

struct Harness {
  std::unique_ptr<riskflow::storage::Store> store;
  std::unique_ptr<riskflow::log::EventLog> log;
  riskflow::server::ServiceContext ctx;
};

Harness* MakeHarness() {
  grpc_init();
  auto* h = new Harness;
  riskflow::storage::StoreOptions store_options;
  store_options.block_cache_bytes = 8 << 20;
  absl::StatusOr<std::unique_ptr<riskflow::storage::Store>> store =
      riskflow::storage::Store::Open(riskflow::fuzz::MakeScratchDir("publish"),
                                     store_options);
  FUZZ_CHECK(store.ok(), store.status().ToString());
  h->store = std::move(*store);
  riskflow::log::EventLog::Options log_options;
  log_options.sync = false;
  // The engine is not under test: logged events are dropped.
  h->log = std::make_unique<riskflow::log::EventLog>(
      h->store.get(), log_options,
      [](std::vector<riskflow::log::LoggedEvent>) {});
  absl::Status opened = h->log->Open();
  FUZZ_CHECK(opened.ok(), opened.ToString());
  h->log->Start();
  h->ctx.log = h->log.get();
  // Small, so the over-limit path is reachable from small inputs.
  h->ctx.max_batch_events = 64;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Deliberately never destroyed: libFuzzer exits without unwinding.
  static Harness* h = MakeHarness();

  grpc::Slice slice(data, size);
  grpc::ByteBuffer buffer(&slice, 1);
  riskflow::v1::PublishRequest request;
  grpc::Status parsed =
      grpc::SerializationTraits<riskflow::v1::PublishRequest>::Deserialize(
          &buffer, &request);
  if (!parsed.ok()) return 0;  // the reactor closes the stream: no batch
  const int n = request.events_size();

  riskflow::server::PublishBatch batch;
  absl::Status prepared = riskflow::server::PrepareBatch(&h->ctx, request, &batch);
  FUZZ_CHECK(prepared.ok(), "log refused the batch: " + prepared.ToString());
  absl::Status finished = riskflow::server::FinishAck(&h->ctx, &batch);
  FUZZ_CHECK(finished.ok(), "ack failed: " + finished.ToString());

  const riskflow::v1::PublishAck& ack = batch.ack;
  if (!ack.batch_error().empty()) {
    FUZZ_CHECK(ack.accepted() == 0 && ack.duplicates_size() == 0,
               "a refused batch accepted events");
    return 0;
  }
  std::set<uint32_t> seen;
  for (const auto& e : ack.errors()) {
    FUZZ_CHECK(e.index() < static_cast<uint32_t>(n), "error index out of range");
    FUZZ_CHECK(!e.message().empty(), "error without a message");
    FUZZ_CHECK(seen.insert(e.index()).second, "event reported twice");
  }
  for (const auto& d : ack.duplicates()) {
    FUZZ_CHECK(d.index() < static_cast<uint32_t>(n),
               "duplicate index out of range");
    FUZZ_CHECK(seen.insert(d.index()).second, "event reported twice");
  }
  FUZZ_CHECK(ack.accepted() + seen.size() == static_cast<size_t>(n),
             "accepted + errors + duplicates != events in the batch");
  if (ack.accepted() > 0) {
    FUZZ_CHECK(ack.first_sequence() <= ack.last_sequence() &&
                   ack.last_sequence() <= ack.durable_sequence(),
               "sequences out of order in the ack");
  }
  return 0;
}
