#include "pipeline/server/account_events.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

absl::StatusOr<riskflow::v1::GetAccountEventsResponse> ReadAccountEvents(
    log::EventLog* log, engine::Engine* engine,
    const AccountEventsQuery& query) {
  riskflow::v1::GetAccountEventsResponse out;
  uint64_t hi = log->durable_sequence();
  out.set_through_sequence(hi);
  out.set_complete(true);
  std::vector<log::LoggedEvent> found;
  uint64_t scanned = 0;
  std::string stopped_by;
  while (stopped_by.empty()) {
    if (hi <= query.after_sequence) {
      stopped_by = query.after_sequence > 0 ? "after_sequence" : "log_start";
      break;
    }
    const uint64_t lo =
        std::max(query.after_sequence, hi > query.chunk ? hi - query.chunk : 0);
    std::vector<log::LoggedEvent> chunk;
    int64_t lowest_watermark = 0;
    bool first = true;
    absl::Status s = log->Scan(lo, [&](log::LoggedEvent&& e) {
      if (e.sequence > hi) return false;
      ++scanned;
      if (first) {
        lowest_watermark = e.watermark_ms;
        first = false;
      }
      if (e.event.account_id() == query.account_id) {
        chunk.push_back(std::move(e));
      }
      return true;
    });
    const bool log_start = absl::IsOutOfRange(s);  // retention cut it
    if (!s.ok() && !log_start) return s;
    for (auto it = chunk.rbegin(); it != chunk.rend(); ++it) {
      if (query.since_ms > 0 && it->event.event_time_ms() < query.since_ms) {
        continue;
      }
      found.push_back(std::move(*it));
      if (found.size() >= query.limit) break;
    }
    if (found.size() >= query.limit) {
      stopped_by = "limit";
    } else if (log_start || lo == 0) {
      stopped_by = "log_start";
    } else if (query.since_ms > 0 && !first &&
               lowest_watermark + query.time_slack_ms < query.since_ms) {
      // Every earlier event is older than the window (see the header).
      stopped_by = "window";
    } else if (scanned >= query.max_scan) {
      stopped_by = "scan_cap";
      out.set_complete(false);
    }
    hi = lo;
  }
  out.set_scanned_records(scanned);
  out.set_stopped_by(stopped_by);
  for (log::LoggedEvent& e : found) {
    riskflow::v1::AccountEvent* a = out.add_events();
    a->set_sequence(e.sequence);
    if (engine != nullptr) {
      absl::StatusOr<std::optional<riskflow::v1::Decision>> d =
          engine->LookupDecision(e.sequence);
      if (!d.ok()) return d.status();
      if (d->has_value()) {
        *a->mutable_decision() = **std::move(d);
        a->set_decided(true);
      }
    }
    *a->mutable_event() = std::move(e.event);
  }
  return out;
}

grpc::Status AdminService::GetAccountEvents(
    grpc::ServerContext* context,
    const riskflow::v1::GetAccountEventsRequest* request,
    riskflow::v1::GetAccountEventsResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kGetAccountEvents);
      !s.ok()) {
    return s;
  }
  const size_t max_id = ctx_->ingest_limits.max_id_bytes;
  if (request->account_id().empty() || request->account_id().size() > max_id) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("account_id: must be 1-", max_id, " bytes, got ",
                     request->account_id().size())));
  }
  if (request->limit() > kMaxAccountEvents) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("limit: at most ", kMaxAccountEvents, " events, got ",
                     request->limit(), " (page with after_sequence)")));
  }
  if (request->since_ms() < 0) {
    return ToGrpc(absl::InvalidArgumentError(absl::StrCat(
        "since_ms: must be 0 (no window) or a Unix time in ms, got ",
        request->since_ms())));
  }
  if (ctx_->log == nullptr || ctx_->engine == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "recent events need the live engine (not available in this mode)"));
  }
  AccountEventsQuery query;
  query.account_id = request->account_id();
  query.limit = request->limit() == 0 ? kDefaultAccountEvents : request->limit();
  query.since_ms = request->since_ms();
  query.after_sequence = request->after_sequence();
  // The log's watermark trails event time by at most the allowed lateness
  // (the one riskflowd started with; a reload may have changed the
  // pipeline's, so take a day at least) plus the accepted future skew.
  query.time_slack_ms =
      std::max<int64_t>(ctx_->engine->pipeline()->config().allowed_lateness_ms(),
                        24 * 3600 * 1000) +
      ctx_->ingest_limits.max_event_skew_ms;
  auto r = ReadAccountEvents(ctx_->log, ctx_->engine, query);
  if (!r.ok()) return ToGrpc(r.status());
  *response = *std::move(r);
  return grpc::Status::OK;
}

}  // namespace riskflow::server
