#include "pipeline/server/daemon.h"

#include <sys/stat.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/config/validate.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/watchdog.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/server/services.h"
#include "pipeline/server/shadow.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/store.h"

namespace riskflow::server {

struct DaemonParts {
  // Two RocksDB instances, so engine commits (no fsync) never queue behind
  // the event log's synced group commits in a shared WAL; see
  // docs/architecture.md, "Durability".
  std::unique_ptr<state::Store> log_store;
  std::unique_ptr<state::Store> store;
  std::vector<std::string> plugin_search_path;
  std::unique_ptr<sinks::Outbox> outbox;
  std::unique_ptr<lists::ListStore> lists;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<log::EventLog> log;
  std::unique_ptr<Shadow> shadow;
  ServiceContext ctx;
  std::unique_ptr<IngestService> ingest;
  std::unique_ptr<SinksService> sinks;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<grpc::Server> server;
  bool stopped = false;
  // --- faulty plugins (docs/plugin-faults.md) ---
  std::unique_ptr<engine::Watchdog> watchdog;
  // The health service once the server runs, for the watchdog (health_mu).
  grpc::HealthCheckServiceInterface* health = nullptr;
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
    return absl::OkStatus();
  }
  if (mkdir(dir.c_str(), 0755) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--data_dir: cannot create ", dir));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->parts_ = std::make_unique<DaemonParts>();
  DaemonParts& p = *daemon->parts_;
  p.ctx.transport_only = options.transport_only;
  p.ctx.max_batch_events = options.max_batch_events;
  {
    absl::MutexLock lock(&p.ctx.source_mu);
    p.ctx.pipeline_source = options.pipeline_source;
  }
  p.plugin_search_path = options.plugin_search_path;

  if (!options.transport_only) {
    if (auto s = config::ValidatePipeline(options.pipeline); !s.ok()) return s;
    if (auto s = EnsureDir(options.data_dir); !s.ok()) return s;
    auto log_store =
        state::Store::Open(options.data_dir + "/log", state::StoreOptions());
    if (!log_store.ok()) return log_store.status();
    p.log_store = std::move(*log_store);
    auto store =
        state::Store::Open(options.data_dir + "/engine", state::StoreOptions());
    if (!store.ok()) return store.status();
    p.store = std::move(*store);
    auto pipeline = plugin_host::Pipeline::Load(options.pipeline,
                                                options.plugin_search_path);
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
    auto engine =
        engine::Engine::Create(p.store.get(), std::move(first), p.outbox.get(),
                               p.lists.get(), engine_options);
    if (!engine.ok()) return engine.status();
    p.engine = std::move(*engine);
    StartWatchdog(options, &p);
    log::EventLog::Options log_options;
    log_options.allowed_lateness_ms = options.pipeline.allowed_lateness_ms();
    log_options.sync = options.sync_log;
    if (options.max_pending_events > 0) {
      log_options.max_pending_events = options.max_pending_events;
    }
    engine::Engine* engine_ptr = p.engine.get();
    p.log = std::make_unique<log::EventLog>(
        p.log_store.get(), log_options,
        [engine_ptr](std::vector<log::LoggedEvent> events) {
          engine_ptr->Dispatch(std::move(events));
        });
    if (auto s = p.log->Open(); !s.ok()) return s;
    p.engine->Start();
    if (auto s = p.engine->Recover(p.log.get()); !s.ok()) return s;
    p.log->Start();
    if (options.shadow) {
      auto shadow = Shadow::Start(options.shadow_pipeline,
                                  options.plugin_search_path,
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
    p.ctx.log = p.log.get();
    p.ctx.engine = p.engine.get();
    p.ctx.outbox = p.outbox.get();
    p.ctx.lists = p.lists.get();
    Daemon* self = daemon.get();
    p.ctx.reload = [self](const std::string& yaml, const std::string& source,
                          bool dry_run) {
      return self->Reload(yaml, source, dry_run);
    };
  }

  p.ingest = std::make_unique<IngestService>(&p.ctx);
  p.sinks = std::make_unique<SinksService>(&p.ctx);
  p.admin = std::make_unique<AdminService>(&p.ctx);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &daemon->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(p.ingest.get());
  builder.RegisterService(p.sinks.get());
  builder.RegisterService(p.admin.get());
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
  p.store.reset();
  p.log_store.reset();
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
  auto loaded = plugin_host::Pipeline::Load(*config, p.plugin_search_path);
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
  if (dry_run) return response;
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
  std::fprintf(stderr,
               "riskflowd: pipeline '%s' (%s) took over after sequence %llu\n",
               next->config().name().c_str(),
               next->version_hash().substr(0, 12).c_str(),
               static_cast<unsigned long long>(*after));
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
