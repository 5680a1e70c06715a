// Admin RPCs for the allow / block lists.
#include "absl/time/clock.h"
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

}  // namespace

grpc::Status AdminService::PutListEntry(grpc::ServerContext* context,
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

grpc::Status AdminService::DeleteListEntry(
    grpc::ServerContext* context,
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
