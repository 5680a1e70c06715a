#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/plugin_host/partition_key.h"
#include "pipeline/config/hashing.h"
#include "pipeline/server/audited_call.h"
#include "pipeline/server/authorize.h"
#include "pipeline/router/freeze_cap.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/services.h"
#include "pipeline/server/shadow.h"
#include "plugins/sdk/param_parse.h"

namespace riskflow::server {
namespace {

// Health's view of the FREEZE guard rail: a total and a warning naming
// every detector whose FREEZEs were capped.
void AddFreezeCapHealth(const plugin_host::Pipeline& pipeline,
                        riskflow::v1::Health* health) {
  uint64_t total = 0;
  std::string warning;
  for (const auto& slot : pipeline.detectors()) {
    const uint64_t hits = slot->freeze_cap_hits.load();
    if (hits == 0) continue;
    total += hits;
    absl::StrAppend(&warning, warning.empty() ? "FREEZE cap hit: " : ", ",
                    slot->config.name(), " ", hits, "x (cap ",
                    router::FreezeCapPerMinute(slot->config), "/min)");
  }
  health->set_freeze_cap_hits(total);
  health->set_freeze_cap_warning(warning);
}

}  // namespace

grpc::Status AdminService::GetHealth(grpc::ServerContext* context,
                                     const riskflow::v1::GetHealthRequest*,
                                     riskflow::v1::Health* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kGetHealth);
      !s.ok()) {
    return s;
  }
  response->set_serving(!ctx_->shutting_down.load());
  response->set_events_rejected(ctx_->events_rejected.load());
  {
    absl::MutexLock lock(&ctx_->health_mu);
    if (!ctx_->not_serving_reason.empty()) {
      response->set_serving(false);
      response->set_not_serving_reason(ctx_->not_serving_reason);
    }
  }
  if (ctx_->transport_only) return grpc::Status::OK;
  for (const auto& slot : ctx_->engine->pipeline()->detectors()) {
    if (slot->quarantined.load()) {
      response->add_quarantined_detectors(slot->config.name());
    }
  }
  response->set_durable_sequence(ctx_->log->durable_sequence());
  response->set_processed_sequence(ctx_->engine->processed_sequence());
  response->set_checkpointed_sequence(ctx_->engine->checkpointed_sequence());
  response->set_recovering(ctx_->engine->recovering());
  response->set_shards(ctx_->engine->shard_count());
  response->set_events_processed(ctx_->engine->events_processed());
  response->set_sink_freeze(ctx_->outbox->LastSequence(riskflow::v1::FREEZE));
  response->set_sink_manual_review(
      ctx_->outbox->LastSequence(riskflow::v1::MANUAL_REVIEW));
  response->set_sink_notify(ctx_->outbox->LastSequence(riskflow::v1::NOTIFY));
  AddFreezeCapHealth(*ctx_->engine->pipeline(), response);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetPipeline(grpc::ServerContext* context,
                                       const riskflow::v1::GetPipelineRequest*,
                                       riskflow::v1::PipelineInfo* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kGetPipeline);
      !s.ok()) {
    return s;
  }
  if (ctx_->engine == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "riskflowd runs in transport-only mode: no pipeline is loaded"));
  }
  std::shared_ptr<const plugin_host::Pipeline> p = ctx_->engine->pipeline();
  *response->mutable_config() = p->config();
  response->set_version_hash(p->version_hash());
  absl::MutexLock lock(&ctx_->source_mu);
  response->set_source(ctx_->pipeline_source);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListPlugins(
    grpc::ServerContext* context, const riskflow::v1::ListPluginsRequest*,
    riskflow::v1::ListPluginsResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kListPlugins);
      !s.ok()) {
    return s;
  }
  if (ctx_->engine == nullptr) return grpc::Status::OK;
  std::shared_ptr<const plugin_host::Pipeline> pipeline =
      ctx_->engine->pipeline();
  for (const auto& slot : pipeline->detectors()) {
    const rf_plugin_descriptor& d = slot->plugin->descriptor();
    riskflow::v1::PluginInfo* info = response->add_plugins();
    info->set_detector(slot->config.name());
    info->set_plugin_name(d.name);
    info->set_plugin_version(d.version);
    info->set_description(d.description != nullptr ? d.description : "");
    info->set_path(slot->plugin->path());
    info->set_build_id(slot->plugin->build_id());
    info->set_abi_major(d.abi_major);
    info->set_abi_minor(d.abi_minor);
    info->set_partition_key(plugin_host::PartitionKeyName(slot->partition_key));
    for (size_t i = 0; i < d.param_count; ++i) {
      const rf_param_spec& spec = d.params[i];
      riskflow::v1::ParamSpec* p = info->add_params();
      p->set_name(spec.name);
      p->set_type(sdk::ParamTypeName(spec.type));
      if (spec.default_value != nullptr) p->set_default_value(spec.default_value);
      if (spec.has_range) {
        p->set_has_range(true);
        p->set_min(spec.min);
        p->set_max(spec.max);
      }
      if (spec.doc != nullptr) p->set_doc(spec.doc);
      p->set_required(spec.required != 0);
    }
    for (const auto& [name, value] : slot->params.AsMap()) {
      (*info->mutable_values())[name] = value;
    }
    // A FILE parameter's value is the file's bytes: show where they came
    // from and their hash instead.
    for (const riskflow::v1::ParamFile& f : slot->files) {
      *info->add_files() = f;
      (*info->mutable_values())[f.param()] =
          absl::StrCat(f.path(), " (sha256 ", f.sha256().substr(0, 12), ", ",
                       f.bytes(), " bytes)");
    }
    info->set_faults(slot->faults.load());
    info->set_overruns(slot->overruns.load());
    info->set_quarantined(slot->quarantined.load());
    info->set_freeze_cap_per_minute(router::FreezeCapPerMinute(slot->config));
    info->set_freeze_cap_hits(slot->freeze_cap_hits.load());
    if (info->quarantined()) {
      info->set_quarantine_reason(slot->QuarantineReason());
    }
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::GetShadowReport(
    grpc::ServerContext* context,
    const riskflow::v1::GetShadowReportRequest* request,
    riskflow::v1::ShadowReport* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kGetShadowReport);
      !s.ok()) {
    return s;
  }
  if (ctx_->shadow == nullptr) {
    return ToGrpc(absl::FailedPreconditionError(
        "no shadow pipeline runs; start riskflowd with --shadow_config"));
  }
  auto report = ctx_->shadow->Report(ctx_->engine, *request);
  if (!report.ok()) return ToGrpc(report.status());
  *response = std::move(*report);
  return grpc::Status::OK;
}

// The reload itself; ReloadPipeline below records it in the audit log.
static grpc::Status ReloadPipelineUnaudited(
    ServiceContext* ctx_, grpc::ServerContext* context,
    const riskflow::v1::ReloadPipelineRequest* request,
    riskflow::v1::ReloadPipelineResponse* response) {
  if (grpc::Status s = Authorize(ctx_, *context, auth::Rpc::kReloadPipeline);
      !s.ok()) {
    return s;
  }
  if (ctx_->engine == nullptr || !ctx_->reload) {
    return ToGrpc(absl::FailedPreconditionError(
        "riskflowd runs in transport-only mode: no pipeline to reload"));
  }
  if (request->yaml().empty()) {
    return ToGrpc(absl::InvalidArgumentError("yaml: a pipeline is required"));
  }
  absl::StatusOr<riskflow::v1::ReloadPipelineResponse> result =
      ctx_->reload(request->yaml(), request->source(), request->dry_run());
  if (!result.ok()) return ToGrpc(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

grpc::Status AdminService::ReloadPipeline(
    grpc::ServerContext* context,
    const riskflow::v1::ReloadPipelineRequest* request,
    riskflow::v1::ReloadPipelineResponse* response) {
  AuditedCall audit(ctx_, context, "admin.reload_pipeline", "pipeline");
  audit.DetailString("source", request->source());
  audit.DetailBool("dry_run", request->dry_run());
  audit.DetailInt("yaml_bytes", static_cast<int64_t>(request->yaml().size()));
  audit.DetailString("yaml_sha256", config::Sha256Hex(request->yaml()));
  if (ctx_->engine != nullptr) {
    audit.DetailString("previous_version_hash",
                       ctx_->engine->pipeline()->version_hash());
  }
  grpc::Status s = ReloadPipelineUnaudited(ctx_, context, request, response);
  if (s.ok()) {
    audit.DetailString("version_hash", response->pipeline().version_hash());
    audit.DetailString("pipeline_name", response->pipeline().config().name());
    audit.DetailBool("unchanged", response->unchanged());
    audit.DetailInt("effective_after_sequence",
                    static_cast<int64_t>(response->effective_after_sequence()));
  }
  return audit.Finish(s);
}

}  // namespace riskflow::server
