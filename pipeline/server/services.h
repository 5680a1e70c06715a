#ifndef RISKFLOW_PIPELINE_SERVER_SERVICES_H_
#define RISKFLOW_PIPELINE_SERVER_SERVICES_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/engine/engine.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/ingest_limits.h"
#include "pipeline/server/server_metrics.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/storage/disk_guard.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"

namespace riskflow::server {

class Shadow;
class AdminAudit;
namespace auth {
class Authorizer;
}

// What the services share; owned by the Daemon.
struct ServiceContext {
  log::EventLog* log = nullptr;
  engine::Engine* engine = nullptr;
  sinks::Outbox* outbox = nullptr;
  lists::ListStore* lists = nullptr;
  // The challenger pipeline, when started with --shadow_config.
  Shadow* shadow = nullptr;
  // Where the running pipeline came from (a file, "<embedded default>", or
  // what a reload named).
  absl::Mutex source_mu;
  std::string pipeline_source ABSL_GUARDED_BY(source_mu);
  // Daemon::Reload, for Admin.ReloadPipeline.
  std::function<absl::StatusOr<riskflow::v1::ReloadPipelineResponse>(
      const std::string& yaml, const std::string& source, bool dry_run)>
      reload;
  // Parse and ack without logging or processing: the transport baseline
  // the load generator compares against.
  bool transport_only = false;
  uint32_t max_batch_events = 10000;
  size_t publish_window = 8;
  std::atomic<bool> shutting_down{false};
  std::atomic<uint64_t> events_rejected{0};
  // Input validation (docs/input-validation.md): the bounds every published
  // or evaluated event is checked against, and the server clock (Unix ms)
  // the event-time skew is measured from.
  log::IngestLimits ingest_limits;
  std::function<int64_t()> now_ms;

  // Operations (docs/operations.md). The disk-full gate every write a
  // client asks for passes; null in transport-only mode.
  storage::DiskGuard* disk_guard = nullptr;
  // Ingest counters for --metrics_listen (always kept), and the stores
  // whose health is exported.
  IngestMetrics* ingest_metrics = nullptr;
  std::vector<storage::Store*> metric_stores;
  // Who may call what (see authorize.h); null allows everything.
  const auth::Authorizer* authorizer = nullptr;
  // --- faulty plugins (docs/plugin-faults.md) ---
  // Set by the watchdog: why riskflowd no longer serves (empty = serving).
  absl::Mutex health_mu;
  std::string not_serving_reason ABSL_GUARDED_BY(health_mu);
  // --- account holds (docs/account-holds.md) ---
  // The engine's store, where the hold look-up index lives.
  storage::Store* engine_store = nullptr;
  // --- Admin audit log (docs/audit-log.md) ---
  // Every mutating Admin RPC appends here; null in transport-only mode.
  AdminAudit* admin_audit = nullptr;
};

// RESOURCE_EXHAUSTED naming the disk and its free bytes while the disk
// guard refuses new events (too little space, or a store stopped by a
// write error); OK otherwise.
inline absl::Status CheckDiskSpace(const ServiceContext& ctx) {
  return ctx.disk_guard == nullptr ? absl::OkStatus()
                                   : ctx.disk_guard->CheckWritable();
}

// Both with the callback API on raw bytes (publish_reactor.h,
// evaluate_reactor.h): a pending call holds no thread, and bytes that do
// not parse get INVALID_ARGUMENT with a reason.
class IngestService final
    : public riskflow::v1::Ingest::WithRawCallbackMethod_Publish<
          riskflow::v1::Ingest::WithRawCallbackMethod_Evaluate<
              riskflow::v1::Ingest::Service>> {
 public:
  explicit IngestService(ServiceContext* ctx) : ctx_(ctx) {}
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Publish(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;

 private:
  ServiceContext* ctx_;
};

class SinksService final : public riskflow::v1::Sinks::Service {
 public:
  explicit SinksService(ServiceContext* ctx) : ctx_(ctx) {}
  grpc::Status Subscribe(
      grpc::ServerContext* context,
      const riskflow::v1::SubscribeRequest* request,
      grpc::ServerWriter<riskflow::v1::Decision>* writer) override;
  grpc::Status CommitCursor(
      grpc::ServerContext* context,
      const riskflow::v1::CommitCursorRequest* request,
      riskflow::v1::CommitCursorResponse* response) override;

 private:
  ServiceContext* ctx_;
};

class AdminService final : public riskflow::v1::Admin::Service {
 public:
  explicit AdminService(ServiceContext* ctx) : ctx_(ctx) {}
  grpc::Status GetHealth(grpc::ServerContext* context,
                         const riskflow::v1::GetHealthRequest* request,
                         riskflow::v1::Health* response) override;
  grpc::Status GetPipeline(grpc::ServerContext* context,
                           const riskflow::v1::GetPipelineRequest* request,
                           riskflow::v1::PipelineInfo* response) override;
  grpc::Status ListPlugins(
      grpc::ServerContext* context,
      const riskflow::v1::ListPluginsRequest* request,
      riskflow::v1::ListPluginsResponse* response) override;
  grpc::Status ReloadPipeline(
      grpc::ServerContext* context,
      const riskflow::v1::ReloadPipelineRequest* request,
      riskflow::v1::ReloadPipelineResponse* response) override;
  grpc::Status PutListEntry(grpc::ServerContext* context,
                            const riskflow::v1::ListEntry* request,
                            riskflow::v1::ListEntry* response) override;
  grpc::Status DeleteListEntry(
      grpc::ServerContext* context,
      const riskflow::v1::DeleteListEntryRequest* request,
      riskflow::v1::DeleteListEntryResponse* response) override;
  grpc::Status GetShadowReport(
      grpc::ServerContext* context,
      const riskflow::v1::GetShadowReportRequest* request,
      riskflow::v1::ShadowReport* response) override;
  grpc::Status GetListEntries(
      grpc::ServerContext* context,
      const riskflow::v1::GetListEntriesRequest* request,
      riskflow::v1::GetListEntriesResponse* response) override;
  // In quarantine_service.cc.
  grpc::Status ListQuarantines(
      grpc::ServerContext* context,
      const riskflow::v1::ListQuarantinesRequest* request,
      riskflow::v1::ListQuarantinesResponse* response) override;
  grpc::Status ClearQuarantine(
      grpc::ServerContext* context,
      const riskflow::v1::ClearQuarantineRequest* request,
      riskflow::v1::ClearQuarantineResponse* response) override;
  // In admin_holds.cc (docs/account-holds.md).
  grpc::Status PlaceHold(grpc::ServerContext* context,
                         const riskflow::v1::HoldRequest* request,
                         riskflow::v1::HoldResponse* response) override;
  grpc::Status ReleaseHold(grpc::ServerContext* context,
                           const riskflow::v1::HoldRequest* request,
                           riskflow::v1::HoldResponse* response) override;
  grpc::Status LookupDecision(
      grpc::ServerContext* context,
      const riskflow::v1::LookupDecisionRequest* request,
      riskflow::v1::LookupDecisionResponse* response) override;
  grpc::Status GetAccountStatus(
      grpc::ServerContext* context,
      const riskflow::v1::GetAccountStatusRequest* request,
      riskflow::v1::AccountStatus* response) override;
  // In account_events.cc (docs/cases.md) and audit_service.cc
  // (docs/audit-log.md).
  grpc::Status GetAccountEvents(
      grpc::ServerContext* context,
      const riskflow::v1::GetAccountEventsRequest* request,
      riskflow::v1::GetAccountEventsResponse* response) override;
  grpc::Status ListAuditEntries(
      grpc::ServerContext* context,
      const riskflow::v1::ListAuditEntriesRequest* request,
      riskflow::v1::ListAuditEntriesResponse* response) override;

 private:
  ServiceContext* ctx_;
};

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_SERVICES_H_
