// Admin.ListQuarantines / ClearQuarantine (docs/plugin-faults.md).
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"
#include "pipeline/server/audited_call.h"
#include "pipeline/server/authorize.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

grpc::Status AdminService::ListQuarantines(
    grpc::ServerContext* context, const riskflow::v1::ListQuarantinesRequest*,
    riskflow::v1::ListQuarantinesResponse* response) {
  // What ListPlugins shows already: a reader may see it.
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kListPlugins);
      !s.ok()) {
    return s;
  }
  if (ctx_->engine == nullptr) return grpc::Status::OK;
  engine::FaultGuard* guard = ctx_->engine->fault_guard();
  if (guard != nullptr) {
    for (auto& q : guard->quarantine()->List()) {
      *response->add_detectors() = std::move(q);
    }
  }
  // Quarantined in this run but not on record (the store refused the
  // write, or containment is off): still worth seeing.
  for (const auto& slot : ctx_->engine->pipeline()->detectors()) {
    if (!slot->quarantined.load()) continue;
    bool listed = false;
    for (const auto& q : response->detectors()) {
      listed = listed || q.detector() == slot->config.name();
    }
    if (listed) continue;
    riskflow::v1::QuarantinedDetector* q = response->add_detectors();
    q->set_detector(slot->config.name());
    q->set_reason(slot->QuarantineReason());
    q->set_plugin_build_id(slot->plugin->build_id());
  }
  return grpc::Status::OK;
}

// The clear itself; ClearQuarantine below records it in the audit log.
static grpc::Status ClearQuarantineUnaudited(
    ServiceContext* ctx_, grpc::ServerContext* context,
    const riskflow::v1::ClearQuarantineRequest* request,
    riskflow::v1::ClearQuarantineResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kClearQuarantine);
      !s.ok()) {
    return s;
  }
  if (ctx_->engine == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "riskflowd runs in transport-only mode: no detectors"));
  }
  if (request->detector().empty()) {
    return ToGrpc(
        absl::InvalidArgumentError("detector: a detector name is required"));
  }
  std::shared_ptr<const plugin_host::Pipeline> pipeline =
      ctx_->engine->pipeline();
  bool cleared = false;
  if (engine::FaultGuard* guard = ctx_->engine->fault_guard()) {
    absl::StatusOr<bool> r = guard->Clear(request->detector(), *pipeline);
    if (!r.ok()) return ToGrpc(r.status());
    cleared = *r;
  } else {
    for (const auto& slot : pipeline->detectors()) {
      if (slot->config.name() != request->detector()) continue;
      cleared = cleared || slot->quarantined.load();
      slot->ClearQuarantine();
    }
  }
  if (!cleared) {
    return ToGrpc(absl::NotFoundError(absl::StrCat(
        "detector '", request->detector(), "' is not quarantined")));
  }
  logging::Log(logging::Level::kWarning,
               {"admin", -1, request->detector()},
               "quarantine cleared; the detector runs again from its next "
               "event");
  response->set_cleared(true);
  return grpc::Status::OK;
}

grpc::Status AdminService::ClearQuarantine(
    grpc::ServerContext* context,
    const riskflow::v1::ClearQuarantineRequest* request,
    riskflow::v1::ClearQuarantineResponse* response) {
  AuditedCall audit(ctx_, context, "admin.clear_quarantine",
                    absl::StrCat("detector/", request->detector()));
  grpc::Status s = ClearQuarantineUnaudited(ctx_, context, request, response);
  if (s.ok()) audit.DetailBool("cleared", response->cleared());
  return audit.Finish(s);
}

}  // namespace riskflow::server
