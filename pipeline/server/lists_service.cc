// Admin RPCs for the allow / block lists.
#include "absl/time/clock.h"
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

grpc::Status AdminService::PutListEntry(grpc::ServerContext*,
                                        const riskflow::v1::ListEntry* request,
                                        riskflow::v1::ListEntry* response) {
  if (auto s = NeedLists(ctx_); !s.ok()) return ToGrpc(s);
  auto stored = ctx_->lists->Put(*request, absl::ToUnixMillis(absl::Now()));
  if (!stored.ok()) return ToGrpc(stored.status());
  *response = std::move(*stored);
  return grpc::Status::OK;
}

grpc::Status AdminService::DeleteListEntry(
    grpc::ServerContext*, const riskflow::v1::DeleteListEntryRequest* request,
    riskflow::v1::DeleteListEntryResponse* response) {
  if (auto s = NeedLists(ctx_); !s.ok()) return ToGrpc(s);
  auto deleted = ctx_->lists->Delete(request->kind(), request->entity(),
                                     request->value());
  if (!deleted.ok()) return ToGrpc(deleted.status());
  response->set_deleted(*deleted);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetListEntries(
    grpc::ServerContext*, const riskflow::v1::GetListEntriesRequest* request,
    riskflow::v1::GetListEntriesResponse* response) {
  if (auto s = NeedLists(ctx_); !s.ok()) return ToGrpc(s);
  for (auto& e : ctx_->lists->Entries(request->kind(), request->entity())) {
    *response->add_entries() = std::move(e);
  }
  return grpc::Status::OK;
}

}  // namespace riskflow::server
