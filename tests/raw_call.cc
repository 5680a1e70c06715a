#include "tests/raw_call.h"

#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace riskflow::e2e {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// Waits for the completion of the one operation tagged `tag`.
bool Await(grpc::CompletionQueue* cq, void* tag) {
  void* got = nullptr;
  bool ok = false;
  while (cq->Next(&got, &ok)) {
    if (got == tag) return ok;
  }
  return false;
}

void Drain(grpc::CompletionQueue* cq) {
  cq->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {
  }
}

}  // namespace

RawResult RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                       const std::string& method, const std::string& request,
                       absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer response;
  RawResult result;
  auto call = stub.PrepareUnaryCall(&context, method, ToBuffer(request), &cq);
  call->StartCall();
  int tag = 1;
  call->Finish(&response, &result.status, &tag);
  Await(&cq, &tag);
  if (result.status.ok()) result.responses.push_back(FromBuffer(response));
  Drain(&cq);
  return result;
}

RawResult RawStreamingCall(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method,
                           const std::vector<std::string>& requests,
                           absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::CompletionQueue cq;
  RawResult result;
  auto call = stub.PrepareCall(&context, method, &cq);
  int start = 0, write = 0, done = 0, read = 0, finish = 0;
  call->StartCall(&start);
  bool ok = Await(&cq, &start);
  for (const std::string& r : requests) {
    if (!ok) break;
    call->Write(ToBuffer(r), &write);
    ok = Await(&cq, &write);
  }
  if (ok) {
    call->WritesDone(&done);
    Await(&cq, &done);
  }
  grpc::ByteBuffer response;
  while (true) {
    call->Read(&response, &read);
    if (!Await(&cq, &read)) break;
    result.responses.push_back(FromBuffer(response));
  }
  call->Finish(&result.status, &finish);
  Await(&cq, &finish);
  Drain(&cq);
  return result;
}

}  // namespace riskflow::e2e
