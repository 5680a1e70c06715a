// Admin.PlaceHold / ReleaseHold / LookupDecision / GetAccountStatus
// (docs/account-holds.md).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/log/event_validator.h"
#include "pipeline/router/account_holds.h"
#include "pipeline/server/audited_call.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {
namespace {

// The channel of the events the Admin API logs; Publish cannot use it
// (hold / release types are refused there whatever the channel).
constexpr char kAdminChannel[] = "riskflow-admin";
constexpr size_t kMaxActorBytes = 64;
constexpr size_t kMaxReasonBytes = 1024;
constexpr size_t kMaxCaseIdBytes = 64;
constexpr size_t kMaxRequestIdBytes = 128;

absl::Time DeadlineOf(grpc::ServerContext* context) {
  absl::Time deadline = absl::FromChrono(context->deadline());
  return std::min(deadline, absl::Now() + absl::Seconds(30));
}

absl::Status CheckLength(const std::string& value, const char* field,
                         size_t min, size_t max) {
  if (value.size() < min || value.size() > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be ", min, "-", max, " bytes, got ", value.size()));
  }
  return absl::OkStatus();
}

// "release:" + request_id must fit the event_id bound.
constexpr size_t kEventIdPrefixBytes = 8;

absl::Status CheckHoldRequest(const riskflow::v1::HoldRequest& r,
                              const log::IngestLimits& limits) {
  if (auto s = CheckLength(r.account_id(), "account_id", 1,
                           limits.max_id_bytes);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckLength(r.actor(), "actor", 1, kMaxActorBytes); !s.ok()) {
    return s;
  }
  if (auto s = CheckLength(r.reason(), "reason", 0, kMaxReasonBytes); !s.ok()) {
    return s;
  }
  if (auto s = CheckLength(r.case_id(), "case_id", 0, kMaxCaseIdBytes);
      !s.ok()) {
    return s;
  }
  return CheckLength(r.request_id(), "request_id", 1,
                     std::min(kMaxRequestIdBytes,
                              limits.max_id_bytes - kEventIdPrefixBytes));
}

// The decision of an already logged event, waiting for it when pending.
absl::StatusOr<riskflow::v1::Decision> DecisionOf(ServiceContext* ctx,
                                                  uint64_t sequence,
                                                  absl::Time deadline) {
  return ctx->engine->AwaitDecision(sequence, deadline);
}

}  // namespace

// Both hold RPCs: log the event (or find the first one for this
// request_id) and answer with its decision.
static grpc::Status LogHoldEvent(ServiceContext* ctx,
                                 grpc::ServerContext* context,
                                 const riskflow::v1::HoldRequest& request,
                                 riskflow::v1::EventType type,
                                 riskflow::v1::HoldResponse* response) {
  if (absl::Status s = CheckHoldRequest(request, ctx->ingest_limits);
      !s.ok()) {
    return ToGrpc(s);
  }
  if (ctx->log == nullptr || ctx->engine == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "holds need the live engine (not available in this mode)"));
  }
  if (ctx->shutting_down.load()) {
    return ToGrpc(absl::UnavailableError("riskflowd is shutting down"));
  }
  if (absl::Status disk = CheckDiskSpace(*ctx); !disk.ok()) {
    return ToGrpc(disk);
  }
  const absl::Time deadline = DeadlineOf(context);
  const std::string event_id =
      absl::StrCat(type == riskflow::v1::ACCOUNT_HOLD ? "hold:" : "release:",
                   request.request_id());
  // A retry of the same request: its first event's decision.
  absl::StatusOr<std::optional<uint64_t>> known =
      ctx->log->LookupId(kAdminChannel, event_id);
  if (!known.ok()) return ToGrpc(known.status());
  if (known->has_value()) {
    auto d = DecisionOf(ctx, **known, deadline);
    if (!d.ok()) return ToGrpc(d.status());
    *response->mutable_decision() = *std::move(d);
    response->set_duplicate(true);
    return grpc::Status::OK;
  }
  riskflow::v1::Event event;
  event.set_event_id(event_id);
  event.set_channel_id(kAdminChannel);
  event.set_type(type);
  event.set_account_id(request.account_id());
  event.set_event_time_ms(absl::ToUnixMillis(absl::Now()));
  auto& attributes = *event.mutable_attributes();
  attributes[router::kHoldActorAttribute] = request.actor();
  if (!request.reason().empty()) {
    attributes[router::kHoldReasonAttribute] = request.reason();
  }
  if (!request.case_id().empty()) {
    attributes[router::kHoldCaseAttribute] = request.case_id();
  }
  // The same checks as any logged event (UTF-8, bounds), except that these
  // two types are allowed here.
  if (absl::Status s = log::ValidateEvent(event, ctx->ingest_limits);
      !s.ok()) {
    return ToGrpc(s);
  }
  absl::StatusOr<std::shared_ptr<log::AppendTicket>> ticket =
      ctx->log->Submit({std::move(event)}, absl::Milliseconds(50),
                       log::Lane::kPriority);
  if (!ticket.ok()) return ToGrpc(ticket.status());
  if (!(*ticket)->WaitWithTimeout(deadline - absl::Now())) {
    return ToGrpc(absl::DeadlineExceededError(
        "the request was queued but not yet durable before the deadline; "
        "send it again with the same request_id"));
  }
  absl::StatusOr<log::AppendOutcome> out = (*ticket)->Wait();
  if (!out.ok()) return ToGrpc(out.status());
  // duplicate / conflict: a concurrent request with this request_id won
  // the race; either way the answer is that one's decision.
  auto d = DecisionOf(ctx, out->sequences[0], deadline);
  if (!d.ok()) return ToGrpc(d.status());
  *response->mutable_decision() = *std::move(d);
  response->set_duplicate(out->duplicate[0]);
  return grpc::Status::OK;
}

// Both hold RPCs as the audit log records them (docs/audit-log.md).
static grpc::Status AuditedHold(ServiceContext* ctx,
                                grpc::ServerContext* context,
                                const riskflow::v1::HoldRequest& request,
                                riskflow::v1::EventType type,
                                riskflow::v1::HoldResponse* response) {
  const bool hold = type == riskflow::v1::ACCOUNT_HOLD;
  AuditedCall audit(ctx, context,
                    hold ? "admin.place_hold" : "admin.release_hold",
                    absl::StrCat("account/", request.account_id()));
  audit.UseRequestId(request.request_id());
  audit.DetailString("hold_request_id", request.request_id());
  audit.DetailString("claimed_actor", request.actor());
  audit.DetailString("reason", request.reason());
  audit.DetailString("case_id", request.case_id());
  grpc::Status s = Authorize(
      ctx, *context, hold ? auth::Rpc::kPlaceHold : auth::Rpc::kReleaseHold);
  if (s.ok()) s = LogHoldEvent(ctx, context, request, type, response);
  if (s.ok()) {
    audit.DetailString("decision_id", response->decision().decision_id());
    audit.DetailInt("sequence",
                    static_cast<int64_t>(response->decision().sequence()));
    audit.DetailBool("duplicate", response->duplicate());
  }
  return audit.Finish(s);
}

grpc::Status AdminService::PlaceHold(grpc::ServerContext* context,
                                     const riskflow::v1::HoldRequest* request,
                                     riskflow::v1::HoldResponse* response) {
  return AuditedHold(ctx_, context, *request, riskflow::v1::ACCOUNT_HOLD,
                     response);
}

grpc::Status AdminService::ReleaseHold(grpc::ServerContext* context,
                                       const riskflow::v1::HoldRequest* request,
                                       riskflow::v1::HoldResponse* response) {
  return AuditedHold(ctx_, context, *request, riskflow::v1::ACCOUNT_RELEASE,
                     response);
}

grpc::Status AdminService::LookupDecision(
    grpc::ServerContext* context,
    const riskflow::v1::LookupDecisionRequest* request,
    riskflow::v1::LookupDecisionResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kLookupDecision);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLength(request->channel_id(), "channel_id", 1,
                                   ctx_->ingest_limits.max_id_bytes);
      !s.ok()) {
    return ToGrpc(s);
  }
  if (absl::Status s = CheckLength(request->event_id(), "event_id", 1,
                                   ctx_->ingest_limits.max_id_bytes);
      !s.ok()) {
    return ToGrpc(s);
  }
  if (ctx_->log == nullptr || ctx_->engine == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "look-ups need the live engine (not available in this mode)"));
  }
  absl::StatusOr<std::optional<uint64_t>> seq =
      ctx_->log->LookupId(request->channel_id(), request->event_id());
  if (!seq.ok()) return ToGrpc(seq.status());
  if (!seq->has_value()) {
    response->set_status(riskflow::v1::LookupDecisionResponse::UNKNOWN_EVENT);
    return grpc::Status::OK;
  }
  response->set_sequence(**seq);
  if (**seq > ctx_->engine->processed_sequence()) {
    response->set_status(riskflow::v1::LookupDecisionResponse::PENDING);
    return grpc::Status::OK;
  }
  auto d = ctx_->engine->LookupDecision(**seq);
  if (!d.ok()) return ToGrpc(d.status());
  if (!d->has_value()) {
    response->set_status(riskflow::v1::LookupDecisionResponse::PENDING);
    return grpc::Status::OK;
  }
  response->set_status(riskflow::v1::LookupDecisionResponse::DECIDED);
  *response->mutable_decision() = **std::move(d);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetAccountStatus(
    grpc::ServerContext* context,
    const riskflow::v1::GetAccountStatusRequest* request,
    riskflow::v1::AccountStatus* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kGetAccountStatus);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLength(request->account_id(), "account_id", 1,
                                   ctx_->ingest_limits.max_id_bytes);
      !s.ok()) {
    return ToGrpc(s);
  }
  if (ctx_->engine_store == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "account status needs the live engine (not available in this mode)"));
  }
  response->set_account_id(request->account_id());
  absl::StatusOr<std::optional<router::Hold>> hold =
      router::ReadHoldIndex(ctx_->engine_store, request->account_id());
  if (!hold.ok()) return ToGrpc(hold.status());
  if (hold->has_value()) {
    response->set_held(true);
    response->set_hold_decision_id((*hold)->decision_id);
    response->set_hold_sequence((*hold)->sequence);
    response->set_held_since_ms((*hold)->since_ms);
    response->set_hold_reason((*hold)->reason);
  }
  return grpc::Status::OK;
}

}  // namespace riskflow::server
