#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

namespace {

absl::Status CheckSink(riskflow::v1::Route sink) {
  if (sinks::Outbox::IsSink(sink)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "sink: ", riskflow::v1::Route_Name(sink),
      " is not a sink (expected FREEZE, NOTIFY or MANUAL_REVIEW)"));
}

}  // namespace

grpc::Status SinksService::Subscribe(
    grpc::ServerContext* context, const riskflow::v1::SubscribeRequest* request,
    grpc::ServerWriter<riskflow::v1::Decision>* writer) {
  const riskflow::v1::Route sink = request->sink();
  if (absl::Status s = AuthorizerOf(ctx_).CheckConsumer(
          CallerOf(ctx_, *context), auth::Rpc::kSubscribe, sink,
          request->consumer());
      !s.ok()) {
    return ToGrpc(s);
  }
  if (absl::Status s = CheckSink(sink); !s.ok()) return ToGrpc(s);
  uint64_t after = request->after_sequence();
  if (request->from_committed()) {
    if (request->consumer().empty()) {
      return ToGrpc(absl::InvalidArgumentError(
          "consumer: required when from_committed is set"));
    }
    absl::StatusOr<uint64_t> cursor =
        ctx_->outbox->GetCursor(sink, request->consumer());
    if (!cursor.ok()) return ToGrpc(cursor.status());
    after = *cursor;
  }
  const uint64_t limit = request->max_decisions();
  uint64_t sent = 0;
  std::vector<riskflow::v1::Decision> batch;
  while (!context->IsCancelled() && !ctx_->shutting_down.load()) {
    batch.clear();
    size_t want = 512;
    if (limit > 0) want = std::min<uint64_t>(want, limit - sent);
    if (absl::Status s = ctx_->outbox->Read(sink, after, want, &batch);
        !s.ok()) {
      return ToGrpc(s);
    }
    for (const riskflow::v1::Decision& d : batch) {
      if (!writer->Write(d)) return grpc::Status::CANCELLED;
      after = d.sink_sequence();
      if (limit > 0 && ++sent >= limit) return grpc::Status::OK;
    }
    if (batch.empty()) {
      if (request->stop_at_end()) return grpc::Status::OK;
      ctx_->outbox->WaitBeyond(sink, after, absl::Milliseconds(200));
    }
  }
  if (ctx_->shutting_down.load()) {
    return ToGrpc(absl::UnavailableError(
        "riskflowd is shutting down; resume from your cursor"));
  }
  return grpc::Status::CANCELLED;
}

grpc::Status SinksService::CommitCursor(
    grpc::ServerContext* context,
    const riskflow::v1::CommitCursorRequest* request,
    riskflow::v1::CommitCursorResponse* response) {
  // Only the owner moves a cursor: skipping someone else's unread
  // decisions is how a consumer would be blinded.
  if (absl::Status s = AuthorizerOf(ctx_).CheckConsumer(
          CallerOf(ctx_, *context), auth::Rpc::kCommitCursor,
          request->sink(), request->consumer());
      !s.ok()) {
    return ToGrpc(s);
  }
  if (absl::Status s = CheckSink(request->sink()); !s.ok()) return ToGrpc(s);
  absl::Status s = ctx_->outbox->CommitCursor(
      request->sink(), request->consumer(), request->sequence());
  if (!s.ok()) return ToGrpc(s);
  response->set_sequence(request->sequence());
  return grpc::Status::OK;
}

}  // namespace riskflow::server
