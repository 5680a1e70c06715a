#include "pipeline/server/publish_batch.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pipeline/server/ingest_check.h"
#include "pipeline/server/authorize.h"

namespace riskflow::server {

absl::Status PrepareBatch(ServiceContext* ctx,
                          riskflow::v1::PublishRequest& request,
                          PublishBatch* batch,
                          const auth::Principal* caller) {
  batch->ack.set_batch_id(request.batch_id());
  const int n = request.events_size();
  if (ctx->transport_only) {
    batch->ack.set_accepted(n);
    return absl::OkStatus();
  }
  if (absl::Status disk = CheckDiskSpace(*ctx); !disk.ok()) return disk;
  if (static_cast<uint32_t>(n) > ctx->max_batch_events) {
    batch->ack.set_batch_error(absl::StrCat(
        "batch of ", n, " events exceeds the limit of ", ctx->max_batch_events,
        "; split it into smaller batches"));
    ctx->events_rejected.fetch_add(n);
    return absl::OkStatus();
  }
  std::vector<riskflow::v1::Event> events;
  events.reserve(n);
  for (int i = 0; i < n; ++i) {
    riskflow::v1::Event* e = request.mutable_events(i);
    if (caller != nullptr) {
      absl::Status allowed =
          AuthorizerOf(ctx).CheckChannel(*caller, e->channel_id());
      if (!allowed.ok()) {
        riskflow::v1::EventError* err = batch->ack.add_errors();
        err->set_index(i);
        err->set_event_id(EchoableId(*ctx, e->event_id()));
        err->set_code(riskflow::v1::PERMISSION_DENIED);
        err->set_message(std::string(allowed.message()));
        ctx->events_rejected.fetch_add(1);
        continue;
      }
    }
    absl::Status valid = CheckEvent(ctx, e);
    if (!valid.ok()) {
      riskflow::v1::EventError* err = batch->ack.add_errors();
      err->set_index(i);
      err->set_event_id(EchoableId(*ctx, e->event_id()));
      err->set_code(riskflow::v1::INVALID_EVENT);
      err->set_message(std::string(valid.message()));
      ctx->events_rejected.fetch_add(1);
      continue;
    }
    batch->logged_index.push_back(i);
    batch->logged_ids.push_back(e->event_id());
    events.push_back(std::move(*e));
  }
  if (events.empty()) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<log::AppendTicket>> ticket =
      ctx->log->Submit(std::move(events), absl::Seconds(2));
  if (!ticket.ok()) return ticket.status();
  batch->ticket = std::move(*ticket);
  return absl::OkStatus();
}

absl::Status FinishAck(ServiceContext* ctx, PublishBatch* batch) {
  riskflow::v1::PublishAck& ack = batch->ack;
  if (batch->ticket == nullptr) return absl::OkStatus();
  absl::StatusOr<log::AppendOutcome> out = batch->ticket->Wait();
  if (!out.ok()) return out.status();
  ack.set_durable_sequence(out->durable_sequence);
  uint32_t accepted = 0;
  for (size_t i = 0; i < out->sequences.size(); ++i) {
    const log::Conflict conflict =
        i < out->conflict.size() ? out->conflict[i] : log::Conflict::kNone;
    if (conflict != log::Conflict::kNone) {
      riskflow::v1::EventError* err = ack.add_errors();
      err->set_index(batch->logged_index[i]);
      err->set_event_id(batch->logged_ids[i]);
      err->set_code(conflict == log::Conflict::kInBatch
                        ? riskflow::v1::DUPLICATE_IN_BATCH
                        : riskflow::v1::CONFLICTING_RESEND);
      err->set_message(ConflictMessage(conflict, out->sequences[i]));
      ctx->events_rejected.fetch_add(1);
      continue;
    }
    if (out->duplicate[i]) {
      riskflow::v1::DuplicateEvent* d = ack.add_duplicates();
      d->set_index(batch->logged_index[i]);
      d->set_event_id(batch->logged_ids[i]);
      d->set_original_sequence(out->sequences[i]);
      continue;
    }
    if (accepted++ == 0) ack.set_first_sequence(out->sequences[i]);
    ack.set_last_sequence(out->sequences[i]);
  }
  ack.set_accepted(accepted);
  return absl::OkStatus();
}

}  // namespace riskflow::server
