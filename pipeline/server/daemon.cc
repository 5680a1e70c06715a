#include "pipeline/server/daemon.h"

#include <sys/stat.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "pipeline/common/logger.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/config/validate.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/watchdog.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/log/event_log.h"
#include "pipeline/metrics/http_server.h"
#include "pipeline/metrics/registry.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/server/admin_audit.h"
#include "pipeline/server/auth/server_security.h"
#include "pipeline/server/bad_request_interceptor.h"
#include "pipeline/server/server_metrics.h"
#include "pipeline/server/services.h"
#include "pipeline/server/shadow.h"
#include "pipeline/server/store_flush.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/disk_guard.h"
#include "pipeline/storage/store.h"

namespace riskflow::server {

struct DaemonParts {
  // Two RocksDB instances, so engine commits (no fsync) never queue behind
  // the event log's synced group commits in a shared WAL; see
  // docs/architecture.md, "Durability".
  std::unique_ptr<storage::Store> log_store;
  std::unique_ptr<storage::Store> store;
  std::vector<std::string> plugin_search_path;
  plugin_host::PluginPolicy plugin_policy;
  std::unique_ptr<sinks::Outbox> outbox;
  std::unique_ptr<lists::ListStore> lists;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<log::EventLog> log;
  std::unique_ptr<Shadow> shadow;
  ServiceContext ctx;
  std::unique_ptr<IngestService> ingest;
  std::unique_ptr<SinksService> sinks;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<auth::Authorizer> authorizer;
  std::unique_ptr<grpc::Server> server;
  bool stopped = false;
  // Operations: the disk-full gate and the metrics endpoint.
  std::unique_ptr<storage::DiskGuard> disk_guard;
  std::unique_ptr<metrics::Registry> metrics;
  std::unique_ptr<IngestMetrics> ingest_metrics;
  int metrics_collector = 0;
  std::unique_ptr<metrics::HttpServer> metrics_server;
  // --- faulty plugins (docs/plugin-faults.md) ---
  std::unique_ptr<engine::Watchdog> watchdog;
  // The health service once the server runs, for the watchdog (health_mu).
  grpc::HealthCheckServiceInterface* health = nullptr;
  // --- Admin audit log (docs/audit-log.md) ---
  std::unique_ptr<AdminAudit> admin_audit;
};

namespace {

// The watchdog runs from before recovery (a detector that hangs on a logged
// event would otherwise keep every restart from serving) until shutdown.
void StartWatchdog(const DaemonOptions& options, DaemonParts* p) {
  engine::FaultGuard* guard = p->engine->fault_guard();
  if (guard == nullptr || options.watchdog_budget_multiple <= 0) return;
  engine::WatchdogOptions wd;
  wd.budget_multiple = options.watchdog_budget_multiple;
  wd.floor = absl::Milliseconds(options.watchdog_floor_ms);
  wd.grace = absl::Milliseconds(options.watchdog_grace_ms);
  ServiceContext* ctx = &p->ctx;
  grpc::HealthCheckServiceInterface** health = &p->health;
  p->watchdog = std::make_unique<engine::Watchdog>(
      guard->markers(), wd,
      [ctx, health](const std::string& reason) {
        absl::MutexLock lock(&ctx->health_mu);
        ctx->not_serving_reason = reason;
        if (*health != nullptr) (*health)->SetServingStatus(false);
      },
      [ctx, health] {
        absl::MutexLock lock(&ctx->health_mu);
        ctx->not_serving_reason.clear();
        if (*health != nullptr) (*health)->SetServingStatus(true);
      });
}

absl::Status EnsureDir(const std::string& dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError("--data_dir: a directory is required");
  }
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--data_dir: ", dir, " exists and is not a directory"));
    }
    // The data dir holds every logged event: owner only (see
    // docs/input-validation.md). Tighten one an operator made.
    if ((st.st_mode & 077) != 0 && chmod(dir.c_str(), 0700) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--data_dir: cannot restrict ", dir, " to its owner (chmod 0700)"));
    }
    return absl::OkStatus();
  }
  if (mkdir(dir.c_str(), 0700) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--data_dir: cannot create ", dir));
  }
  return absl::OkStatus();
}

int64_t WallClockMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  // First, before anything is opened or bound: an unsafe listen address or
  // a bad certificate or policy fails start.
  absl::StatusOr<auth::ServerSecurity> security =
      auth::SetUpServerSecurity(options.listen_address, options.security);
  if (!security.ok()) return security.status();
  for (const std::string& warning : security->warnings) {
    logging::Log(logging::Level::kWarning, {"server"}, warning);
  }
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->parts_ = std::make_unique<DaemonParts>();
  DaemonParts& p = *daemon->parts_;
  p.authorizer = std::move(security->authorizer);
  p.ctx.authorizer = p.authorizer.get();
  p.ctx.transport_only = options.transport_only;
  p.ctx.max_batch_events = options.max_batch_events;
  p.ctx.ingest_limits = options.ingest_limits;
  p.ctx.now_ms = WallClockMs;
  {
    absl::MutexLock lock(&p.ctx.source_mu);
    p.ctx.pipeline_source = options.pipeline_source;
  }
  p.plugin_search_path = options.plugin_search_path;
  p.plugin_policy.search_path = options.plugin_search_path;
  p.plugin_policy.sha256_allowlist = options.plugin_sha256_allowlist;
  // FILE parameters (a model, a rule file) resolve next to --config; a
  // reload resolves them in the same place (docs/plugin-guide.md).
  p.plugin_policy.file_param_dir =
      plugin_host::FileParamDirFor(options.pipeline_source);

  p.metrics = std::make_unique<metrics::Registry>();
  p.ingest_metrics = std::make_unique<IngestMetrics>(p.metrics.get());
  p.ctx.ingest_metrics = p.ingest_metrics.get();
  if (!options.transport_only) {
    if (auto s = config::ValidatePipeline(options.pipeline); !s.ok()) return s;
    if (auto s = EnsureDir(options.data_dir); !s.ok()) return s;
    storage::StoreOptions log_store_options;
    log_store_options.name = "log";
    auto log_store =
        storage::Store::Open(options.data_dir + "/log", log_store_options);
    if (!log_store.ok()) return log_store.status();
    p.log_store = std::move(*log_store);
    storage::StoreOptions engine_store_options;
    engine_store_options.name = "engine";
    auto store = state::OpenStateStore(options.data_dir + "/engine",
                                       engine_store_options);
    if (!store.ok()) return store.status();
    p.store = std::move(*store);
    auto pipeline =
        plugin_host::Pipeline::Load(options.pipeline, p.plugin_policy);
    if (!pipeline.ok()) return pipeline.status();
    std::shared_ptr<plugin_host::Pipeline> first = std::move(*pipeline);
    p.outbox = std::make_unique<sinks::Outbox>(p.store.get());
    if (auto s = p.outbox->Open(); !s.ok()) return s;
    p.lists = std::make_unique<lists::ListStore>(p.store.get());
    if (auto s = p.lists->Load(); !s.ok()) return s;
    engine::EngineOptions engine_options;
    engine_options.shards = options.shards;
    if (options.crash_containment) {
      engine_options.crash_dir = options.data_dir + "/crash";
    }
    if (options.shard_queue_events > 0) {
      engine_options.queue_capacity_per_shard = options.shard_queue_events;
    }
    engine_options.checkpoint = options.checkpoint;
    engine_options.state_memory_bytes_per_shard =
        options.state_memory_bytes_per_shard;
    engine_options.stored_key_filter_bytes = options.stored_key_filter_bytes;
    engine_options.commit_micros = p.ingest_metrics->shard_commit();
    auto engine =
        engine::Engine::Create(p.store.get(), std::move(first), p.outbox.get(),
                               p.lists.get(), engine_options);
    if (!engine.ok()) return engine.status();
    p.engine = std::move(*engine);
    StartWatchdog(options, &p);
    log::EventLog::Options log_options;
    log_options.allowed_lateness_ms = options.pipeline.allowed_lateness_ms();
    log_options.sync = options.sync_log;
    log_options.clock = WallClockMs;  // the watermark clamp
    if (options.max_pending_events > 0) {
      log_options.max_pending_events = options.max_pending_events;
    }
    // Set for both backends: the RocksDB one refuses a directory of segments.
    log_options.segment_dir = options.data_dir + "/log-segments";
    if (options.event_log == DaemonOptions::EventLogBackend::kSegments ||
        (options.event_log == DaemonOptions::EventLogBackend::kAuto &&
         !log::RocksLogHoldsRecords(p.log_store.get()))) {
      log_options.backend = log::EventLog::Options::Backend::kSegments;
    }
    log_options.dedupe_horizon_events = options.dedupe_horizon_events;
    log_options.log_threads = options.log_threads;
    log_options.sync_micros = p.ingest_metrics->log_sync();
    engine::Engine* engine_ptr = p.engine.get();
    log_options.on_idle = [engine_ptr] { engine_ptr->FlushDeferredMarkers(); };
    p.log = std::make_unique<log::EventLog>(
        p.log_store.get(), log_options,
        [engine_ptr](std::vector<log::LoggedEvent> events) {
          engine_ptr->Dispatch(std::move(events));
        });
    if (auto s = p.log->Open(); !s.ok()) return s;
    p.engine->Start();
    // Publishes are accepted again at once; the events logged since the
    // last checkpoints are re-run in the background (Engine::StartRecovery).
    if (auto s = p.engine->StartRecovery(p.log.get()); !s.ok()) return s;
    p.log->Start();
    if (options.shadow) {
      auto shadow = Shadow::Start(options.shadow_pipeline,
                                  p.plugin_policy,
                                  options.data_dir + "/shadow", options.shards,
                                  p.log.get(), p.lists.get());
      if (!shadow.ok()) return shadow.status();
      p.shadow = std::move(*shadow);
      p.ctx.shadow = p.shadow.get();
      engine::FaultGuard* shadow_guard = p.shadow->engine()->fault_guard();
      if (p.watchdog != nullptr && shadow_guard != nullptr) {
        p.watchdog->Watch(shadow_guard->markers());
      }
    }
    // Watches the disk from here on; the gate is consulted per Publish
    // batch and Evaluate call (CheckDiskSpace in services.h).
    storage::DiskGuardOptions guard_options;
    guard_options.dir = options.data_dir;
    guard_options.min_free_bytes = options.min_free_disk_bytes;
    p.disk_guard = std::make_unique<storage::DiskGuard>(guard_options);
    p.disk_guard->AddStore(p.log_store.get());
    p.disk_guard->AddStore(p.store.get());
    p.disk_guard->Start();
    p.ctx.disk_guard = p.disk_guard.get();
    p.ctx.metric_stores = {p.log_store.get(), p.store.get()};
    p.ctx.log = p.log.get();
    p.ctx.engine = p.engine.get();
    p.ctx.engine_store = p.store.get();  // the hold look-up index
    p.ctx.outbox = p.outbox.get();
    p.ctx.lists = p.lists.get();
    // Every mutating Admin RPC is recorded here (docs/audit-log.md).
    auto audit = AdminAudit::Open(AdminAuditPath(options.data_dir),
                                  WallClockMs);
    if (!audit.ok()) return audit.status();
    p.admin_audit = std::move(*audit);
    p.ctx.admin_audit = p.admin_audit.get();
    Daemon* self = daemon.get();
    p.ctx.reload = [self](const std::string& yaml, const std::string& source,
                          bool dry_run) {
      return self->Reload(yaml, source, dry_run);
    };
  }

  p.metrics_collector = AddDaemonCollectors(p.metrics.get(), &p.ctx);
  if (!options.metrics_listen.empty()) {
    auto http = metrics::HttpServer::Start(options.metrics_listen,
                                           p.metrics.get());
    if (!http.ok()) return http.status();
    p.metrics_server = std::move(*http);
  }
  p.ingest = std::make_unique<IngestService>(&p.ctx);
  p.sinks = std::make_unique<SinksService>(&p.ctx);
  p.admin = std::make_unique<AdminService>(&p.ctx);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, security->credentials,
                           &daemon->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(p.ingest.get());
  builder.RegisterService(p.sinks.get());
  builder.RegisterService(p.admin.get());
  {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(NewBadRequestInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  p.server = builder.BuildAndStart();
  if (p.server == nullptr || daemon->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen_address,
        " (address in use or not valid host:port)"));
  }
  {
    absl::MutexLock lock(&p.ctx.health_mu);
    p.health = p.server->GetHealthCheckService();
    if (p.health != nullptr && !p.ctx.not_serving_reason.empty()) {
      p.health->SetServingStatus(false);
    }
  }
  return daemon;
}

std::string Daemon::address() const { return absl::StrCat("127.0.0.1:", port_); }

int Daemon::metrics_port() const {
  return parts_ != nullptr && parts_->metrics_server != nullptr
             ? parts_->metrics_server->port()
             : 0;
}

metrics::Registry* Daemon::metrics() const {
  return parts_ != nullptr ? parts_->metrics.get() : nullptr;
}

void Daemon::Shutdown() {
  if (parts_ == nullptr || parts_->stopped) return;
  DaemonParts& p = *parts_;
  p.stopped = true;
  p.ctx.shutting_down.store(true);
  if (p.outbox != nullptr) p.outbox->Shutdown();
  if (p.server != nullptr) {
    if (auto* health = p.server->GetHealthCheckService()) {
      absl::MutexLock lock(&p.ctx.health_mu);
      health->Shutdown();
      p.health = nullptr;
    }
    // In-flight RPCs get a moment to finish their acks, then are cancelled.
    p.server->Shutdown(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
    p.server->Wait();
  }
  // Scrapes read the parts below; stop them first.
  if (p.metrics_server != nullptr) p.metrics_server->Stop();
  if (p.metrics != nullptr) p.metrics->RemoveCollector(p.metrics_collector);
  // Log before engine: what the log still holds is dispatched and decided.
  if (p.log != nullptr) p.log->Stop();
  // The shadow resumes from its own progress after a restart.
  if (p.shadow != nullptr) p.shadow->Stop();
  if (p.engine != nullptr) p.engine->Stop();
  // Kept until here: a detector hung in the drain is still caught.
  p.watchdog.reset();
  p.shadow.reset();
  p.engine.reset();
  p.log.reset();
  p.outbox.reset();
  p.lists.reset();
  if (p.disk_guard != nullptr) p.disk_guard->Stop();
  p.ctx.disk_guard = nullptr;
  p.disk_guard.reset();
  // startup: a clean stop flushes the memtables, so the next start
  // replays no write-ahead log (docs/segment-log.md, "Startup").
  FlushStoreAtStop(p.store.get());
  FlushStoreAtStop(p.log_store.get());
  p.store.reset();
  p.log_store.reset();
  p.ctx.admin_audit = nullptr;
  p.admin_audit.reset();
}

absl::StatusOr<riskflow::v1::ReloadPipelineResponse> Daemon::Reload(
    const std::string& yaml, const std::string& source, bool dry_run) {
  DaemonParts& p = *parts_;
  if (p.engine == nullptr) {
    return absl::FailedPreconditionError("no pipeline runs in this mode");
  }
  absl::StatusOr<riskflow::v1::PipelineConfig> config =
      config::ParsePipelineYaml(yaml);
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refused ", source.empty() ? "the new pipeline" : source, ": ",
        config.status().message(), " (the running version stays)"));
  }
  auto loaded = plugin_host::Pipeline::Load(*config, p.plugin_policy);
  if (!loaded.ok()) {
    return absl::Status(
        loaded.status().code(),
        absl::StrCat("refused ", source.empty() ? "the new pipeline" : source,
                     ": ", loaded.status().message(),
                     " (the running version stays)"));
  }
  std::shared_ptr<plugin_host::Pipeline> next = std::move(*loaded);
  riskflow::v1::ReloadPipelineResponse response;
  response.mutable_pipeline()->set_version_hash(next->version_hash());
  *response.mutable_pipeline()->mutable_config() = next->config();
  response.mutable_pipeline()->set_source(source);
  if (next->version_hash() == p.engine->pipeline()->version_hash()) {
    response.set_unchanged(true);
    return response;
  }
  if (dry_run) {
    // What a real reload would refuse, a dry run refuses too: the engine's
    // run-time limits, then every detector's create() on a scratch instance.
    absl::Status s = p.engine->CheckReloadable(*next);
    if (s.ok()) s = next->TryCreate();
    if (!s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("refused ",
                                 source.empty() ? "the new pipeline" : source,
                                 ": ", s.message()));
    }
    return response;
  }
  absl::StatusOr<uint64_t> after = p.engine->Reload(next);
  if (!after.ok()) {
    return absl::Status(after.status().code(),
                        absl::StrCat("refused ",
                                     source.empty() ? "the new pipeline"
                                                    : source,
                                     ": ", after.status().message()));
  }
  response.set_effective_after_sequence(*after);
  {
    absl::MutexLock lock(&p.ctx.source_mu);
    p.ctx.pipeline_source = source.empty() ? "<reloaded>" : source;
  }
  logging::Log(logging::Level::kInfo, {"server"},
               absl::StrCat("pipeline '", next->config().name(), "' (",
                            next->version_hash().substr(0, 12),
                            ") took over after sequence ", *after));
  return response;
}

std::string Daemon::RunningDetectorCalls() const {
  if (parts_ == nullptr || parts_->engine == nullptr) return "";
  engine::FaultGuard* guard = parts_->engine->fault_guard();
  if (guard == nullptr) return "";
  std::string out;
  const int64_t now = plugin_host::CrashMarker::MonotonicNowNs();
  for (const plugin_host::CrashMarker* m : guard->markers()) {
    const plugin_host::MarkerState s = m->Read();
    if (s.start_ns == 0) continue;
    absl::StrAppend(&out, "  ", m->path(), ": detector '", s.detector,
                    "' on log sequence ", s.sequence, " for ",
                    (now - s.start_ns) / 1000000, " ms\n");
  }
  return out;
}

Daemon::~Daemon() { Shutdown(); }

}  // namespace riskflow::server
