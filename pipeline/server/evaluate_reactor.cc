#include "pipeline/server/evaluate_reactor.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/alarm.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "pipeline/engine/decision_waiters.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/ingest_check.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::server {

namespace {

// No deadline from the client: do not hold its call for ever.
constexpr absl::Duration kLongestWait = absl::Seconds(30);

class EvaluateReactor;

// The part of one call that its callbacks share (log writer, shard, timer,
// gRPC). Each holds it by shared_ptr and touches the reactor only while
// `reactor` is set: whoever clears it finishes the call, exactly once, and
// gRPC deletes the reactor only after that.
struct EvaluateCall {
  ServiceContext* ctx = nullptr;
  grpc::ByteBuffer* response = nullptr;  // gRPC's
  absl::Mutex mu;
  EvaluateReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;
  // Set once the event is durable (or found to be a duplicate).
  bool durable ABSL_GUARDED_BY(mu) = false;
  uint64_t sequence ABSL_GUARDED_BY(mu) = 0;
  // The pending decision wait (Engine::CancelDecisionWait), 0 when none.
  uint64_t wait_token ABSL_GUARDED_BY(mu) = 0;
  // Steady-clock times of the call's arrival and of its event becoming
  // durable, for the stage histograms (IngestMetrics::OnEvaluate).
  int64_t arrived_ns = 0;
  int64_t durable_ns ABSL_GUARDED_BY(mu) = 0;
};

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Finishes the call with `status` (and `decision` when OK) unless it is
// already finished; ends a decision wait it leaves pending.
void End(const std::shared_ptr<EvaluateCall>& call, const grpc::Status& status,
         std::optional<riskflow::v1::Decision> decision = std::nullopt,
         bool duplicate = false);

class EvaluateReactor final : public grpc::ServerUnaryReactor {
 public:
  EvaluateReactor(ServiceContext* ctx, grpc::ByteBuffer* response)
      : call_(std::make_shared<EvaluateCall>()) {
    call_->arrived_ns = SteadyNowNs();
    call_->ctx = ctx;
    call_->response = response;
    absl::MutexLock lock(&call_->mu);
    call_->reactor = this;
  }

  void Start(grpc::CallbackServerContext* context,
             const grpc::ByteBuffer* request_bytes);

  // Runs `fn` on a gRPC thread, soon. Call with call_->mu held and the
  // reactor still set (so it is alive).
  void RunOnGrpcThread(std::function<void(bool)> fn) {
    hop_.Set(std::chrono::system_clock::now(), std::move(fn));
  }

 private:
  void OnCancel() override {
    End(call_, grpc::Status(grpc::StatusCode::CANCELLED,
                            "the call was cancelled; the event, if it was "
                            "logged, is still decided"));
  }
  void OnDone() override { delete this; }

  std::shared_ptr<EvaluateCall> call_;
  grpc::Alarm deadline_;
  grpc::Alarm hop_;
};

void End(const std::shared_ptr<EvaluateCall>& call, const grpc::Status& status,
         std::optional<riskflow::v1::Decision> decision, bool duplicate) {
  EvaluateReactor* reactor;
  uint64_t sequence, token;
  {
    absl::MutexLock lock(&call->mu);
    reactor = call->reactor;
    if (reactor == nullptr) return;
    call->reactor = nullptr;
    sequence = call->sequence;
    token = std::exchange(call->wait_token, 0);
  }
  // Ended by the deadline or a cancel: the shard need not call back.
  if (token != 0 && !decision.has_value()) {
    call->ctx->engine->CancelDecisionWait(sequence, token);
  }
  if (decision.has_value()) {
    riskflow::v1::EvaluateResponse response;
    *response.mutable_decision() = *std::move(decision);
    response.set_duplicate(duplicate);
    bool own_buffer;
    grpc::Status serialized =
        grpc::SerializationTraits<riskflow::v1::EvaluateResponse>::Serialize(
            response, call->response, &own_buffer);
    if (!serialized.ok()) {
      reactor->Finish(serialized);
      return;
    }
  }
  reactor->Finish(status);
}

void Decided(const std::shared_ptr<EvaluateCall>& call, bool duplicate,
             absl::StatusOr<riskflow::v1::Decision> decision) {
  if (!decision.ok()) {
    End(call, ToGrpc(decision.status()));
    return;
  }
  // A duplicate's decision was looked up, not made: its stages say
  // nothing about the engine.
  if (!duplicate && call->ctx->ingest_metrics != nullptr) {
    int64_t durable_ns;
    {
      absl::MutexLock lock(&call->mu);
      durable_ns = call->durable_ns;
    }
    call->ctx->ingest_metrics->OnEvaluate(
        (durable_ns - call->arrived_ns) / 1000,
        (SteadyNowNs() - durable_ns) / 1000);
  }
  End(call, grpc::Status::OK, *std::move(decision), duplicate);
}

// Keeps the token of a decision wait that is still pending, or ends it
// when the call finished meanwhile.
void NoteWait(const std::shared_ptr<EvaluateCall>& call, uint64_t sequence,
              uint64_t token) {
  if (token == 0) return;  // already decided and finished
  {
    absl::MutexLock lock(&call->mu);
    if (call->reactor != nullptr) {
      call->wait_token = token;
      return;
    }
  }
  call->ctx->engine->CancelDecisionWait(sequence, token);
}

// On the log writer thread (or at once): the event is durable, a
// duplicate, or refused.
void OnAppended(const std::shared_ptr<EvaluateCall>& call,
                log::AppendTicket& ticket, const std::string& account_id) {
  absl::StatusOr<log::AppendOutcome> out = ticket.Wait();  // done: no wait
  ServiceContext* ctx = call->ctx;
  if (!out.ok()) {
    End(call, ToGrpc(out.status()));
    return;
  }
  if (!out->conflict.empty() && out->conflict[0] != log::Conflict::kNone) {
    ctx->events_rejected.fetch_add(1);
    End(call, ToGrpc(absl::AlreadyExistsError(
                  ConflictMessage(out->conflict[0], out->sequences[0]))));
    return;
  }
  const uint64_t sequence = out->sequences[0];
  const bool duplicate = out->duplicate[0];
  auto decided = [call, duplicate](absl::StatusOr<riskflow::v1::Decision> d) {
    Decided(call, duplicate, std::move(d));
  };
  {
    absl::MutexLock lock(&call->mu);
    if (call->reactor == nullptr) return;
    call->durable = true;
    call->durable_ns = SteadyNowNs();
    call->sequence = sequence;
    if (duplicate) {
      // Its decision may be stored long ago: the look-up reads the store
      // and maybe the log, which the writer thread must not wait for.
      call->reactor->RunOnGrpcThread([call, sequence, decided](bool ok) {
        if (!ok) return;  // the call ended and the reactor is gone
        NoteWait(call, sequence,
                 call->ctx->engine->AwaitDecisionAsync(sequence, decided));
      });
      return;
    }
  }
  // A fresh event was logged from this request, so its account names the
  // shard that decides it (a duplicate's logged copy may differ). Its
  // shard has not seen it yet (the writer dispatches after this), so the
  // look-up is one atomic load and the shard calls `decided`.
  NoteWait(call, sequence,
           ctx->engine->AwaitFreshDecisionAsync(sequence, account_id,
                                                std::move(decided)));
}

void EvaluateReactor::Start(grpc::CallbackServerContext* context,
                            const grpc::ByteBuffer* request_bytes) {
  ServiceContext* ctx = call_->ctx;
  auth::Principal caller;
  if (grpc::Status s = Authorize(ctx, *context, auth::Rpc::kEvaluate, &caller);
      !s.ok()) {
    End(call_, s);
    return;
  }
  riskflow::v1::EvaluateRequest parsed;
  grpc::ByteBuffer bytes(*request_bytes);  // Deserialize consumes it
  if (!grpc::SerializationTraits<riskflow::v1::EvaluateRequest>::Deserialize(
           &bytes, &parsed)
           .ok()) {
    End(call_, ToGrpc(absl::InvalidArgumentError(
                   "the request bytes are not a valid request message for "
                   "/riskflow.v1.Ingest/Evaluate (protobuf parse failed: "
                   "malformed bytes, or a string field that is not valid "
                   "UTF-8); nothing was done")));
    return;
  }
  const riskflow::v1::EvaluateRequest* request = &parsed;
  if (!request->has_event()) {
    End(call_, ToGrpc(absl::InvalidArgumentError("event: is required")));
    return;
  }
  if (absl::Status s = AuthorizerOf(ctx).CheckChannel(
          caller, request->event().channel_id());
      !s.ok()) {
    End(call_, ToGrpc(s));
    return;
  }
  riskflow::v1::Event event = request->event();
  if (absl::Status valid = CheckEvent(ctx, &event); !valid.ok()) {
    ctx->events_rejected.fetch_add(1);
    End(call_, ToGrpc(valid));
    return;
  }
  if (ctx->shutting_down.load()) {
    End(call_, ToGrpc(absl::UnavailableError("riskflowd is shutting down")));
    return;
  }
  if (absl::Status disk = CheckDiskSpace(*ctx); !disk.ok()) {
    End(call_, ToGrpc(disk));
    return;
  }
  const absl::Time deadline =
      std::min(absl::FromChrono(context->deadline()),
               absl::Now() + kLongestWait);
  deadline_.Set(absl::ToChronoTime(deadline), [call = call_](bool ok) {
    if (!ok) return;  // cancelled: the call ended first
    bool durable;
    uint64_t sequence;
    {
      absl::MutexLock lock(&call->mu);
      durable = call->durable;
      sequence = call->sequence;
    }
    End(call,
        ToGrpc(durable ? engine::DecisionWaiters::NotDecidedInTime(sequence)
                       : absl::DeadlineExceededError(
                             "the event was queued but not yet durable "
                             "before the deadline; evaluate it again to get "
                             "its decision")));
  });
  // As logged (CheckEvent may normalize it): it picks the deciding shard.
  std::string account_id = event.account_id();
  absl::StatusOr<std::shared_ptr<log::AppendTicket>> ticket =
      ctx->log->Submit({std::move(event)}, absl::Milliseconds(50),
                       log::Lane::kPriority);
  if (!ticket.ok()) {
    End(call_, ToGrpc(ticket.status()));
    return;
  }
  // The ticket holds this callback until it completes, then drops it.
  (*ticket)->OnDone([call = call_, t = *ticket, account_id]() {
    OnAppended(call, *t, account_id);
  });
}

}  // namespace

grpc::ServerUnaryReactor* NewEvaluateReactor(
    ServiceContext* ctx, grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  auto* reactor = new EvaluateReactor(ctx, response);
  reactor->Start(context, request);
  return reactor;
}

}  // namespace riskflow::server
