#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pipeline/engine/bounded_queue.h"
#include "pipeline/log/event_validator.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

using riskflow::v1::PublishAck;
using riskflow::v1::PublishRequest;

namespace {

// A batch between being read and being acknowledged.
struct InFlight {
  PublishAck ack;  // batch_id, errors and batch_error already filled
  // Index in the request of each event handed to the log.
  std::vector<uint32_t> logged_index;
  std::vector<std::string> logged_ids;
  std::shared_ptr<log::AppendTicket> ticket;  // null: nothing to wait for
};

void FillAck(const log::AppendOutcome& out, InFlight* f) {
  PublishAck& ack = f->ack;
  ack.set_durable_sequence(out.durable_sequence);
  uint32_t accepted = 0;
  for (size_t i = 0; i < out.sequences.size(); ++i) {
    if (out.duplicate[i]) {
      riskflow::v1::DuplicateEvent* d = ack.add_duplicates();
      d->set_index(f->logged_index[i]);
      d->set_event_id(f->logged_ids[i]);
      d->set_original_sequence(out.sequences[i]);
      continue;
    }
    if (accepted++ == 0) ack.set_first_sequence(out.sequences[i]);
    ack.set_last_sequence(out.sequences[i]);
  }
  ack.set_accepted(accepted);
}

absl::Time DeadlineOf(grpc::ServerContext* context) {
  absl::Time deadline = absl::FromChrono(context->deadline());
  // No deadline from the client: do not wait forever on its behalf.
  return std::min(deadline, absl::Now() + absl::Seconds(30));
}

}  // namespace

grpc::Status IngestService::Publish(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<PublishAck, PublishRequest>* stream) {
  // Acks are written by a second thread so the reader can keep the log fed
  // (several batches in flight per stream; the log group-commits them).
  engine::BoundedQueue<InFlight> in_flight(ctx_->publish_window);
  absl::Mutex error_mu;
  absl::Status ack_error;
  std::thread acker([&] {
    std::vector<InFlight> items;
    bool writable = true;
    while (in_flight.PopBatch(1, &items)) {
      InFlight& f = items.front();
      if (f.ticket != nullptr) {
        absl::StatusOr<log::AppendOutcome> out = f.ticket->Wait();
        if (!out.ok()) {
          absl::MutexLock lock(&error_mu);
          if (ack_error.ok()) ack_error = out.status();
          writable = false;
        } else {
          FillAck(*out, &f);
        }
      } else if (ctx_->log != nullptr && !ctx_->transport_only) {
        f.ack.set_durable_sequence(ctx_->log->durable_sequence());
      }
      if (writable && !stream->Write(f.ack)) writable = false;
      items.clear();
    }
  });

  absl::Status status;
  PublishRequest request;
  while (status.ok() && !ctx_->shutting_down.load() && stream->Read(&request)) {
    InFlight f;
    f.ack.set_batch_id(request.batch_id());
    const int n = request.events_size();
    if (ctx_->transport_only) {
      f.ack.set_accepted(n);
    } else if (static_cast<uint32_t>(n) > ctx_->max_batch_events) {
      f.ack.set_batch_error(absl::StrCat(
          "batch of ", n, " events exceeds the limit of ",
          ctx_->max_batch_events, "; split it into smaller batches"));
      ctx_->events_rejected.fetch_add(n);
    } else {
      std::vector<riskflow::v1::Event> events;
      events.reserve(n);
      for (int i = 0; i < n; ++i) {
        riskflow::v1::Event* e = request.mutable_events(i);
        absl::Status valid = log::ValidateEvent(*e);
        if (!valid.ok()) {
          riskflow::v1::EventError* err = f.ack.add_errors();
          err->set_index(i);
          err->set_event_id(e->event_id());
          err->set_code(riskflow::v1::INVALID_EVENT);
          err->set_message(std::string(valid.message()));
          ctx_->events_rejected.fetch_add(1);
          continue;
        }
        f.logged_index.push_back(i);
        f.logged_ids.push_back(e->event_id());
        events.push_back(std::move(*e));
      }
      if (!events.empty()) {
        absl::StatusOr<std::shared_ptr<log::AppendTicket>> ticket =
            ctx_->log->Submit(std::move(events), absl::Seconds(2));
        if (!ticket.ok()) {
          status = ticket.status();
          break;
        }
        f.ticket = std::move(*ticket);
      }
    }
    in_flight.PushAll({std::move(f)});
  }
  in_flight.Close();
  acker.join();
  if (status.ok()) {
    absl::MutexLock lock(&error_mu);
    status = ack_error;
  }
  if (status.ok() && ctx_->shutting_down.load() && !context->IsCancelled()) {
    // Everything read so far was acknowledged; tell the client to resume
    // elsewhere or later.
    status = absl::UnavailableError("riskflowd is shutting down");
  }
  return ToGrpc(status);
}

grpc::Status IngestService::Evaluate(
    grpc::ServerContext* context, const riskflow::v1::EvaluateRequest* request,
    riskflow::v1::EvaluateResponse* response) {
  if (!request->has_event()) {
    return ToGrpc(absl::InvalidArgumentError("event: is required"));
  }
  if (absl::Status valid = log::ValidateEvent(request->event()); !valid.ok()) {
    ctx_->events_rejected.fetch_add(1);
    return ToGrpc(valid);
  }
  if (ctx_->shutting_down.load()) {
    return ToGrpc(absl::UnavailableError("riskflowd is shutting down"));
  }
  const absl::Time deadline = DeadlineOf(context);
  absl::StatusOr<std::shared_ptr<log::AppendTicket>> ticket =
      ctx_->log->Submit({request->event()}, absl::Milliseconds(50));
  if (!ticket.ok()) return ToGrpc(ticket.status());
  if (!(*ticket)->WaitWithTimeout(deadline - absl::Now())) {
    return ToGrpc(absl::DeadlineExceededError(
        "the event was queued but not yet durable before the deadline; "
        "evaluate it again to get its decision"));
  }
  absl::StatusOr<log::AppendOutcome> out = (*ticket)->Wait();
  if (!out.ok()) return ToGrpc(out.status());
  absl::StatusOr<riskflow::v1::Decision> decision =
      ctx_->engine->AwaitDecision(out->sequences[0], deadline);
  if (!decision.ok()) return ToGrpc(decision.status());
  *response->mutable_decision() = std::move(*decision);
  response->set_duplicate(out->duplicate[0]);
  return grpc::Status::OK;
}

}  // namespace riskflow::server
