#include "tests/rpc_client.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace riskflow::e2e {

using riskflow::v1::Decision;

namespace {

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

Clients::Clients(std::shared_ptr<grpc::Channel> c)
    : channel(std::move(c)),
      ingest(riskflow::v1::Ingest::NewStub(channel)),
      sinks(riskflow::v1::Sinks::NewStub(channel)),
      admin(riskflow::v1::Admin::NewStub(channel)) {}

std::shared_ptr<grpc::Channel> MakeChannel(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

grpc::Status PublishBatches(
    riskflow::v1::Ingest::Stub* stub,
    const std::vector<riskflow::v1::PublishRequest>& batches,
    std::vector<riskflow::v1::PublishAck>* acks) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(180));
  auto stream = stub->Publish(&context);
  // Acks are read while batches are written, so neither side blocks on a
  // full flow-control window.
  std::thread reader([&] {
    riskflow::v1::PublishAck ack;
    while (stream->Read(&ack)) acks->push_back(ack);
  });
  for (const riskflow::v1::PublishRequest& batch : batches) {
    if (!stream->Write(batch)) break;
  }
  stream->WritesDone();
  reader.join();
  return stream->Finish();
}

absl::StatusOr<riskflow::v1::Health> GetHealth(
    riskflow::v1::Admin::Stub* stub) {
  grpc::ClientContext context;
  SetDeadline(&context, kRpcTimeout);
  riskflow::v1::Health health;
  grpc::Status s =
      stub->GetHealth(&context, riskflow::v1::GetHealthRequest(), &health);
  if (!s.ok()) return FromGrpc(s);
  return health;
}

absl::Status WaitProcessed(riskflow::v1::Admin::Stub* stub,
                           absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  riskflow::v1::Health last;
  while (absl::Now() < deadline) {
    absl::StatusOr<riskflow::v1::Health> health = GetHealth(stub);
    if (!health.ok()) return health.status();
    last = *health;
    if (last.processed_sequence() >= last.durable_sequence()) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(5));  // poll interval, not a wait
  }
  return absl::DeadlineExceededError(
      absl::StrCat("processed_sequence ", last.processed_sequence(),
                   " did not reach durable_sequence ", last.durable_sequence(),
                   " in ", absl::FormatDuration(timeout)));
}

grpc::Status ReadSink(riskflow::v1::Sinks::Stub* stub,
                      const riskflow::v1::SubscribeRequest& request,
                      std::vector<Decision>* out) {
  grpc::ClientContext context;
  SetDeadline(&context, kRpcTimeout);
  auto reader = stub->Subscribe(&context, request);
  Decision d;
  while (reader->Read(&d)) out->push_back(d);
  return reader->Finish();
}

absl::StatusOr<std::vector<Decision>> ReadSink(riskflow::v1::Sinks::Stub* stub,
                                               riskflow::v1::Route sink,
                                               uint64_t after) {
  riskflow::v1::SubscribeRequest request;
  request.set_sink(sink);
  request.set_after_sequence(after);
  request.set_stop_at_end(true);
  std::vector<Decision> out;
  grpc::Status s = ReadSink(stub, request, &out);
  if (!s.ok()) return FromGrpc(s);
  return out;
}

grpc::Status Evaluate(riskflow::v1::Ingest::Stub* stub,
                      const riskflow::v1::Event& event, absl::Duration deadline,
                      riskflow::v1::EvaluateResponse* response) {
  grpc::ClientContext context;
  SetDeadline(&context, deadline);
  riskflow::v1::EvaluateRequest request;
  *request.mutable_event() = event;
  return stub->Evaluate(&context, request, response);
}

}  // namespace riskflow::e2e
