#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pipeline/server/ingest_check.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/publish_reactor.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

namespace {

absl::Time DeadlineOf(grpc::ServerContext* context) {
  absl::Time deadline = absl::FromChrono(context->deadline());
  // No deadline from the client: do not wait forever on its behalf.
  return std::min(deadline, absl::Now() + absl::Seconds(30));
}

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
IngestService::Publish(grpc::CallbackServerContext* context) {
  auth::Principal caller;
  grpc::Status allowed =
      Authorize(ctx_, *context, auth::Rpc::kPublish, &caller);
  return NewPublishReactor(ctx_, std::move(caller), std::move(allowed));
}

grpc::Status IngestService::Evaluate(
    grpc::ServerContext* context, const riskflow::v1::EvaluateRequest* request,
    riskflow::v1::EvaluateResponse* response) {
  auth::Principal caller;
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kEvaluate, &caller);
      !s.ok()) {
    return s;
  }
  if (!request->has_event()) {
    return ToGrpc(absl::InvalidArgumentError("event: is required"));
  }
  if (absl::Status s = AuthorizerOf(ctx_).CheckChannel(
          caller, request->event().channel_id());
      !s.ok()) {
    return ToGrpc(s);
  }
  riskflow::v1::Event event = request->event();
  if (absl::Status valid = CheckEvent(ctx_, &event); !valid.ok()) {
    ctx_->events_rejected.fetch_add(1);
    return ToGrpc(valid);
  }
  if (ctx_->shutting_down.load()) {
    return ToGrpc(absl::UnavailableError("riskflowd is shutting down"));
  }
  if (absl::Status disk = CheckDiskSpace(*ctx_); !disk.ok()) {
    return ToGrpc(disk);
  }
  const absl::Time deadline = DeadlineOf(context);
  // As logged (CheckEvent may normalize it): it picks the deciding shard.
  const std::string account_id = event.account_id();
  absl::StatusOr<std::shared_ptr<log::AppendTicket>> ticket =
      ctx_->log->Submit({std::move(event)}, absl::Milliseconds(50),
                        log::Lane::kPriority);
  if (!ticket.ok()) return ToGrpc(ticket.status());
  if (!(*ticket)->WaitWithTimeout(deadline - absl::Now())) {
    return ToGrpc(absl::DeadlineExceededError(
        "the event was queued but not yet durable before the deadline; "
        "evaluate it again to get its decision"));
  }
  absl::StatusOr<log::AppendOutcome> out = (*ticket)->Wait();
  if (!out.ok()) return ToGrpc(out.status());
  if (!out->conflict.empty() && out->conflict[0] != log::Conflict::kNone) {
    ctx_->events_rejected.fetch_add(1);
    return ToGrpc(absl::AlreadyExistsError(
        ConflictMessage(out->conflict[0], out->sequences[0])));
  }
  // A fresh event was logged from this request, so its account names the
  // shard that decides it; a duplicate's logged copy may differ.
  absl::StatusOr<riskflow::v1::Decision> decision =
      out->duplicate[0]
          ? ctx_->engine->AwaitDecision(out->sequences[0], deadline)
          : ctx_->engine->AwaitFreshDecision(
                out->sequences[0], account_id, deadline);
  if (!decision.ok()) return ToGrpc(decision.status());
  *response->mutable_decision() = std::move(*decision);
  response->set_duplicate(out->duplicate[0]);
  return grpc::Status::OK;
}

}  // namespace riskflow::server
