#include "pipeline/server/shadow.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/write_batch.h"

namespace riskflow::server {
namespace {

constexpr char kStartKey[] = "shadow/started_after";

}  // namespace

absl::StatusOr<std::unique_ptr<Shadow>> Shadow::Start(
    const riskflow::v1::PipelineConfig& config,
    const plugin_host::PluginPolicy& plugin_policy, const std::string& dir,
    uint32_t shards, log::EventLog* log, const lists::ListStore* lists) {
  std::unique_ptr<Shadow> shadow(new Shadow());
  shadow->log_ = log;
  auto pipeline = plugin_host::Pipeline::Load(config, plugin_policy);
  if (!pipeline.ok()) {
    return absl::Status(pipeline.status().code(),
                        absl::StrCat("shadow pipeline: ",
                                     pipeline.status().message()));
  }
  auto store = state::OpenStateStore(dir, storage::StoreOptions());
  if (!store.ok()) return store.status();
  shadow->store_ = std::move(*store);
  shadow->outbox_ = std::make_unique<sinks::Outbox>(shadow->store_.get());
  if (auto s = shadow->outbox_->Open(); !s.ok()) return s;
  engine::EngineOptions options;
  options.shards = shards;
  options.write_outboxes = false;
  options.start_after_sequence = log->durable_sequence();
  // A challenger's plugin can crash the daemon as well: its markers sit
  // beside the live engine's (<data_dir>/crash/shadow-<k>.marker) and its
  // quarantines in the shadow store (docs/plugin-faults.md).
  if (const size_t slash = dir.rfind('/'); slash != std::string::npos) {
    options.crash_dir = dir.substr(0, slash) + "/crash";
    options.crash_marker_prefix = "shadow";
  }
  auto engine = engine::Engine::Create(shadow->store_.get(),
                                       std::move(*pipeline),
                                       shadow->outbox_.get(), lists, options);
  if (!engine.ok()) {
    return absl::Status(engine.status().code(),
                        absl::StrCat("shadow pipeline: ",
                                     engine.status().message()));
  }
  shadow->engine_ = std::move(*engine);
  if (auto s = shadow->LoadOrRecordStart(log->durable_sequence()); !s.ok()) {
    return s;
  }
  shadow->engine_->Start();
  // Recover decides what the shadow missed while the daemon was down; after
  // it, everything up to the log's current end has been handled.
  const uint64_t end = log->durable_sequence();
  if (auto s = shadow->engine_->Recover(log); !s.ok()) return s;
  shadow->cursor_ = end;
  Shadow* self = shadow.get();
  shadow->follower_ = std::thread([self] { self->Follow(); });
  return shadow;
}

absl::Status Shadow::LoadOrRecordStart(uint64_t log_end) {
  std::string value;
  absl::StatusOr<bool> found =
      store_->Get(storage::Cf::kMeta, kStartKey, &value);
  if (!found.ok()) return found.status();
  if (*found && storage::DecodeSequenceKey(value, &started_after_)) {
    return absl::OkStatus();
  }
  started_after_ = log_end;
  rocksdb::WriteBatch batch;
  batch.Put(store_->handle(storage::Cf::kMeta), kStartKey,
            storage::SequenceKey(log_end));
  return store_->Write(&batch, /*sync=*/true);
}

Shadow::~Shadow() { Stop(); }

void Shadow::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_ && !follower_.joinable()) return;
    stop_ = true;
  }
  if (follower_.joinable()) follower_.join();
  if (engine_ != nullptr) engine_->Stop();
}

void Shadow::Follow() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    if (log_->durable_sequence() <= cursor_) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(5));
      continue;
    }
    std::vector<log::LoggedEvent> batch;
    absl::Status s = log_->Scan(cursor_, [&](log::LoggedEvent&& e) {
      batch.push_back(std::move(e));
      return batch.size() < 4096;
    });
    if (!s.ok()) {
      logging::LogRateLimited(
          read_errors_, logging::Level::kError, {"shadow"},
          absl::StrCat("cannot read the log: ", s.message()));
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Seconds(1));
      continue;
    }
    if (batch.empty()) continue;
    cursor_ = batch.back().sequence;
    engine_->Dispatch(std::move(batch));
  }
}

namespace {

void Count(const riskflow::v1::Decision& d,
           google::protobuf::Map<std::string, uint64_t>* routes,
           google::protobuf::Map<std::string, uint64_t>* detectors) {
  (*routes)[riskflow::v1::Route_Name(d.route())]++;
  for (const auto& a : d.annotations()) {
    if (a.route() != riskflow::v1::PASS) (*detectors)[a.detector()]++;
  }
}

// Same outcome: same routes and the same (detector, reason) findings.
bool SameOutcome(const riskflow::v1::Decision& a,
                 const riskflow::v1::Decision& b) {
  if (a.route() != b.route() || a.routes_size() != b.routes_size()) {
    return false;
  }
  auto findings = [](const riskflow::v1::Decision& d) {
    std::vector<std::string> out;
    for (const auto& an : d.annotations()) {
      out.push_back(absl::StrCat(an.detector(), "/", an.reason_code(), "/",
                                 an.route()));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  return findings(a) == findings(b);
}

}  // namespace

absl::StatusOr<riskflow::v1::ShadowReport> Shadow::Report(
    engine::Engine* live, const riskflow::v1::GetShadowReportRequest& r) {
  riskflow::v1::ShadowReport report;
  report.set_live_version(live->pipeline()->version_hash());
  report.set_shadow_version(engine_->pipeline()->version_hash());
  const uint64_t live_done = live->processed_sequence();
  const uint64_t shadow_done = engine_->processed_sequence();
  report.set_live_processed_sequence(live_done);
  report.set_shadow_processed_sequence(shadow_done);
  uint64_t through = std::min(live_done, shadow_done);
  if (r.through_sequence() > 0) through = std::min(through, r.through_sequence());
  uint64_t after = r.after_sequence();
  if (after == 0 && through > 100000) after = through - 100000;
  // Before the shadow existed there is nothing to compare.
  after = std::max(after, started_after_);
  through = std::max(through, after);
  if (after > through) {
    return absl::InvalidArgumentError(absl::StrCat(
        "after_sequence ", after, " is beyond what both pipelines decided (",
        through, ")"));
  }
  report.set_after_sequence(after);
  report.set_through_sequence(through);
  const uint32_t max_changes = r.max_changes() > 0 ? r.max_changes() : 100;
  for (uint64_t seq = after + 1; seq <= through; ++seq) {
    auto l = live->LookupDecision(seq);
    if (!l.ok()) return l.status();
    auto s = engine_->LookupDecision(seq);
    if (!s.ok()) return s.status();
    if (!l->has_value() || !s->has_value()) continue;
    report.set_compared(report.compared() + 1);
    Count(**l, report.mutable_live_routes(), report.mutable_live_detectors());
    Count(**s, report.mutable_shadow_routes(),
          report.mutable_shadow_detectors());
    if (!SameOutcome(**l, **s)) {
      report.set_changed(report.changed() + 1);
      if (report.changes_size() < static_cast<int>(max_changes)) {
        riskflow::v1::ChangedDecision* c = report.add_changes();
        *c->mutable_live() = std::move(**l);
        *c->mutable_shadow() = std::move(**s);
      }
    }
  }
  return report;
}

}  // namespace riskflow::server
