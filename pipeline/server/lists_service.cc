// Admin RPCs for the allow / block lists.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/server/audited_call.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {
namespace {

absl::Status NeedLists(const ServiceContext* ctx) {
  if (ctx->lists != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "riskflowd runs in transport-only mode: no lists");
}

// "list/BLOCK/ACCOUNT/acct-1": the audit log's target of a list change.
std::string ListTarget(riskflow::v1::ListKind kind,
                       riskflow::v1::ListEntity entity,
                       const std::string& value) {
  return absl::StrCat("list/", riskflow::v1::ListKind_Name(kind), "/",
                      riskflow::v1::ListEntity_Name(entity), "/", value);
}

// The list RPCs themselves; the Admin methods below record them in the
// audit log.
grpc::Status PutListEntryUnaudited(ServiceContext* ctx_,
                                   grpc::ServerContext* context,
                                   const riskflow::v1::ListEntry* request,
                                   riskflow::v1::ListEntry* response) {
  auth::Principal caller;
  if (grpc::Status s =
          Authorize(ctx_, *context, auth::Rpc::kPutListEntry, &caller);
      !s.ok()) {
    return s;
  }
  if (auto s = NeedLists(ctx_); !s.ok()) return ToGrpc(s);
  riskflow::v1::ListEntry entry = *request;
  // Who added it is whom the certificate names, never what the client
  // claims; only unauthenticated dev mode keeps the claim (it has nothing
  // better).
  if (caller.authenticated) entry.set_added_by(caller.identity);
  auto stored = ctx_->lists->Put(entry, absl::ToUnixMillis(absl::Now()));
  if (!stored.ok()) return ToGrpc(stored.status());
  *response = std::move(*stored);
  return grpc::Status::OK;
}

grpc::Status DeleteListEntryUnaudited(
    ServiceContext* ctx_, grpc::ServerContext* context,
    const riskflow::v1::DeleteListEntryRequest* request,
    riskflow::v1::DeleteListEntryResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kDeleteListEntry);
      !s.ok()) {
    return s;
  }
  if (auto s = NeedLists(ctx_); !s.ok()) return ToGrpc(s);
  auto deleted = ctx_->lists->Delete(request->kind(), request->entity(),
                                     request->value());
  if (!deleted.ok()) return ToGrpc(deleted.status());
  response->set_deleted(*deleted);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status AdminService::PutListEntry(grpc::ServerContext* context,
                                        const riskflow::v1::ListEntry* request,
                                        riskflow::v1::ListEntry* response) {
  AuditedCall audit(
      ctx_, context, "admin.put_list_entry",
      ListTarget(request->kind(), request->entity(), request->value()));
  audit.DetailInt("expires_at_ms", request->expires_at_ms());
  audit.DetailString("reason", request->reason());
  audit.DetailString("claimed_added_by", request->added_by());
  grpc::Status s = PutListEntryUnaudited(ctx_, context, request, response);
  if (s.ok()) audit.DetailString("added_by", response->added_by());
  return audit.Finish(s);
}

grpc::Status AdminService::DeleteListEntry(
    grpc::ServerContext* context,
    const riskflow::v1::DeleteListEntryRequest* request,
    riskflow::v1::DeleteListEntryResponse* response) {
  AuditedCall audit(
      ctx_, context, "admin.delete_list_entry",
      ListTarget(request->kind(), request->entity(), request->value()));
  grpc::Status s = DeleteListEntryUnaudited(ctx_, context, request, response);
  if (s.ok()) audit.DetailBool("deleted", response->deleted());
  return audit.Finish(s);
}

grpc::Status AdminService::GetListEntries(
    grpc::ServerContext* context,
    const riskflow::v1::GetListEntriesRequest* request,
    riskflow::v1::GetListEntriesResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kGetListEntries);
      !s.ok()) {
    return s;
  }
  if (auto s = NeedLists(ctx_); !s.ok()) return ToGrpc(s);
  for (auto& e : ctx_->lists->Entries(request->kind(), request->entity())) {
    *response->add_entries() = std::move(e);
  }
  return grpc::Status::OK;
}

}  // namespace riskflow::server
