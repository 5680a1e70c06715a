// Admin.ListAuditEntries: the Admin audit log read over gRPC
// (docs/audit-log.md).
#include "absl/strings/str_cat.h"
#include "pipeline/server/admin_audit.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

namespace {
constexpr uint32_t kDefaultAuditEntries = 100;
constexpr uint32_t kMaxAuditEntries = 1000;
}  // namespace

grpc::Status AdminService::ListAuditEntries(
    grpc::ServerContext* context,
    const riskflow::v1::ListAuditEntriesRequest* request,
    riskflow::v1::ListAuditEntriesResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kListAuditEntries);
      !s.ok()) {
    return s;
  }
  if (ctx_->admin_audit == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "riskflowd runs in transport-only mode: no audit log"));
  }
  if (request->limit() > kMaxAuditEntries) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("limit: at most ", kMaxAuditEntries, " entries, got ",
                     request->limit())));
  }
  const uint32_t limit =
      request->limit() == 0 ? kDefaultAuditEntries : request->limit();
  absl::StatusOr<int64_t> head = ctx_->admin_audit->HeadSeq();
  if (!head.ok()) return ToGrpc(head.status());
  response->set_head_seq(static_cast<uint64_t>(*head));
  auto entries = ctx_->admin_audit->Read(
      static_cast<int64_t>(request->after_seq()), limit, request->tail());
  if (!entries.ok()) return ToGrpc(entries.status());
  for (const cases::AuditEntry& e : *entries) {
    riskflow::v1::AdminAuditEntry* out = response->add_entries();
    out->set_seq(static_cast<uint64_t>(e.seq));
    out->set_time_ms(e.time_ms);
    out->set_actor(e.actor);
    out->set_action(e.action);
    out->set_subject(e.subject);
    out->set_detail(e.detail);
    out->set_prev_hash(e.prev_hash);
    out->set_hash(e.hash);
  }
  return grpc::Status::OK;
}

}  // namespace riskflow::server
