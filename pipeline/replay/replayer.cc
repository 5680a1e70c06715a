#include "pipeline/replay/replayer.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <thread>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/engine/engine.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/event_validator.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/replay/progress.h"
#include "pipeline/replay/state_dir.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"

namespace riskflow::replay {
namespace {

// Bounds on submitted-but-unacknowledged work: enough to keep the log
// writer's group commits large, small enough to bound memory.
constexpr size_t kMaxTicketsInFlight = 4096;
constexpr size_t kMaxEventsInFlight = 1 << 16;

// The engine the daemon composes (pipeline/server/daemon.cc), minus the
// services, with outboxes off and every decision handed to the output.
struct ReplayEngine {
  std::unique_ptr<storage::Store> log_store;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<sinks::Outbox> outbox;
  std::unique_ptr<lists::ListStore> lists;
  std::unique_ptr<DecisionWriter> output;
  std::shared_ptr<plugin_host::Pipeline> pipeline;
  std::unique_ptr<engine::Engine> engine;
  // Last: destroyed first, so it drains into a live engine.
  std::unique_ptr<log::EventLog> log;

  absl::Status Start(const ReplayOptions& options, const std::string& dir);
  // Drains the log into the engine, then every shard, so every decision
  // has reached the output.
  absl::Status Finish();
};

absl::Status ReplayEngine::Start(const ReplayOptions& options,
                                 const std::string& dir) {
  plugin_host::PluginPolicy policy(options.plugin_search_path);
  policy.file_param_dir = options.file_param_dir;
  auto loaded = plugin_host::Pipeline::Load(options.pipeline, policy);
  if (!loaded.ok()) return loaded.status();
  // Nobody reads a replay's detector timings (overruns never route).
  (*loaded)->set_time_calls(false);
  pipeline = std::move(*loaded);
  // A replay's stores are scratch space rebuilt from the input on any
  // failure, so they skip the write-ahead log; the same engine code runs,
  // it just does not pay for crash safety it does not need.
  storage::StoreOptions scratch;
  scratch.disable_wal = true;
  auto opened_log = storage::Store::Open(dir + "/log", scratch);
  if (!opened_log.ok()) return opened_log.status();
  log_store = std::move(*opened_log);
  auto opened = state::OpenStateStore(dir + "/engine", scratch);
  if (!opened.ok()) return opened.status();
  store = std::move(*opened);
  // The engine commits through an outbox even when it writes no entries.
  outbox = std::make_unique<sinks::Outbox>(store.get());
  if (auto s = outbox->Open(); !s.ok()) return s;
  lists = std::make_unique<lists::ListStore>(store.get());
  if (auto s = lists->Load(); !s.ok()) return s;

  // The engine's own rule for the shard count, resolved here because the
  // output must know the shards before the engine calls the observer.
  uint32_t shards = options.shards > 0 ? options.shards
                                       : pipeline->config().shards();
  if (shards == 0) shards = std::max(1u, std::thread::hardware_concurrency());
  output = std::make_unique<DecisionWriter>(options.out, options.out_format,
                                            shards);
  if (auto s = output->Open(); !s.ok()) return s;

  engine::EngineOptions engine_options;
  engine_options.shards = shards;
  engine_options.write_outboxes = false;
  engine_options.store_decisions = false;
  // State reaches the scratch store only when a cache fills up; by then most
  // of it is behind the visibility horizon and is dropped unwritten.
  engine_options.checkpoint = engine::CheckpointPolicy::WhenCacheFills();
  // Nobody waits on a replay decision (no Evaluate), so deep shard queues
  // that keep every shard busy beat the live default's short ones.
  engine_options.queue_capacity_per_shard = 1 << 16;
  if (options.max_cached_entities_per_shard > 0) {
    engine_options.max_cached_entities_per_shard =
        options.max_cached_entities_per_shard;
  }
  DecisionWriter* writer = output.get();
  engine_options.decision_observer =
      [writer](uint32_t shard,
               const std::vector<riskflow::v1::Decision>& decisions) {
        writer->Add(shard, decisions);
      };
  auto created = engine::Engine::Create(store.get(), pipeline, outbox.get(),
                                        lists.get(), engine_options);
  if (!created.ok()) return created.status();
  engine = std::move(*created);

  log::EventLog::Options log_options;
  log_options.allowed_lateness_ms = pipeline->config().allowed_lateness_ms();
  // The input is the durable copy; an fsync per group would only slow the
  // replay down, and nothing reads events back from this log (decisions
  // come out through the observer), so only the idempotency index is kept.
  log_options.sync = false;
  log_options.store_records = false;
  // As before the Evaluate lane: the writer takes everything queued (no
  // Evaluate waits on a replay group).
  log_options.max_group_events = log_options.max_pending_events;
  log_options.memory_id_index_entries = options.ids_in_memory;
  engine::Engine* engine_ptr = engine.get();
  log = std::make_unique<log::EventLog>(
      log_store.get(), log_options,
      [engine_ptr](std::vector<log::LoggedEvent> events) {
        engine_ptr->Dispatch(std::move(events));
      });
  if (auto s = log->Open(); !s.ok()) return s;
  engine->Start();
  if (auto s = engine->Recover(log.get()); !s.ok()) return s;
  log->Start();
  return absl::OkStatus();
}

absl::Status ReplayEngine::Finish() {
  // Log first: what it holds is dispatched; then every shard queue is
  // decided and committed.
  log->Stop();
  engine->Stop();
  return output->status();
}

// Feeds the source into the log in batches, counting what the live ingest
// path would reject or recognise as duplicates.
class Feeder {
 public:
  Feeder(const ReplayOptions& options, log::EventLog* log,
         const DecisionWriter* output, ReplaySummary* summary)
      : options_(options), log_(log), output_(output), summary_(summary) {}

  absl::Status Run(EventSource* source) {
    std::vector<riskflow::v1::Event> batch;
    batch.reserve(options_.batch_size);
    while (true) {
      // Read straight into the batch's next slot: moving an Event is a
      // protobuf swap plus a destructor call per field of the moved-from
      // one, which showed in replay profiles.
      riskflow::v1::Event& event = batch.emplace_back();
      absl::StatusOr<bool> more = source->Next(&event);
      if (!more.ok()) {
        batch.pop_back();
        if (more.status().code() != absl::StatusCode::kInvalidArgument) {
          return more.status();
        }
        read_.fetch_add(1, std::memory_order_relaxed);
        Reject(std::string(more.status().message()));
        continue;
      }
      if (!*more) {
        batch.pop_back();
        break;
      }
      read_.fetch_add(1, std::memory_order_relaxed);
      if (absl::Status s = log::ValidateEvent(event); !s.ok()) {
        Reject(absl::StrCat(source->Position(), " (event_id \"",
                            event.event_id(), "\"): ", s.message()));
        batch.pop_back();
        continue;
      }
      if (batch.size() >= options_.batch_size) {
        if (auto s = Submit(&batch); !s.ok()) return s;
      }
    }
    if (auto s = Submit(&batch); !s.ok()) return s;
    while (!tickets_.empty()) {
      if (auto s = WaitOldest(); !s.ok()) return s;
    }
    summary_->events_read = read_.load();
    return absl::OkStatus();
  }

  const std::atomic<uint64_t>* read_counter() const { return &read_; }

 private:
  void Reject(std::string reason) {
    ++summary_->rejected;
    if (summary_->first_rejects.size() < options_.max_reported_rejects) {
      summary_->first_rejects.push_back(std::move(reason));
    }
  }

  absl::Status Submit(std::vector<riskflow::v1::Event>* batch) {
    if (batch->empty()) return absl::OkStatus();
    // A full disk stops the replay now, not after the whole input.
    if (absl::Status s = output_->status(); !s.ok()) return s;
    const size_t n = batch->size();
    auto ticket = log_->Submit(std::move(*batch), absl::InfiniteDuration());
    batch->clear();
    batch->reserve(options_.batch_size);
    if (!ticket.ok()) return ticket.status();
    tickets_.push_back(*std::move(ticket));
    in_flight_ += n;
    while (tickets_.size() > kMaxTicketsInFlight ||
           in_flight_ > kMaxEventsInFlight) {
      if (auto s = WaitOldest(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status WaitOldest() {
    absl::StatusOr<log::AppendOutcome> outcome = tickets_.front()->Wait();
    tickets_.pop_front();
    if (!outcome.ok()) return outcome.status();
    in_flight_ -= outcome->duplicate.size();
    for (bool dup : outcome->duplicate) summary_->duplicates += dup ? 1 : 0;
    return absl::OkStatus();
  }

  const ReplayOptions& options_;
  log::EventLog* log_;
  const DecisionWriter* output_;
  ReplaySummary* summary_;
  std::deque<std::shared_ptr<log::AppendTicket>> tickets_;
  size_t in_flight_ = 0;
  std::atomic<uint64_t> read_{0};
};

absl::Status CheckOptions(const ReplayOptions& options) {
  if (options.out.empty()) {
    return absl::InvalidArgumentError("--out: an output file is required");
  }
  if (options.batch_size == 0) {
    return absl::InvalidArgumentError("--batch_size must be at least 1");
  }
  // Renaming the output over the input would destroy the input.
  std::error_code ec;
  if (!options.input.path.empty() &&
      std::filesystem::equivalent(options.input.path, options.out, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--out ", options.out, " is the input file; write elsewhere"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReplaySummary> Replayer::Run(const ReplayOptions& options) {
  if (auto s = CheckOptions(options); !s.ok()) return s;
  const bool from_log = !options.from_log.empty();
  if (from_log == !options.input.path.empty()) {
    return absl::InvalidArgumentError(
        "needs exactly one input: --input FILE or --from_log DATA_DIR");
  }
  absl::StatusOr<std::unique_ptr<EventSource>> source =
      from_log ? OpenLogSource(options.from_log, options.log_filter)
               : OpenFileSource(options.input);
  if (!source.ok()) return source.status();
  return Run(options, *std::move(source));
}

absl::StatusOr<ReplaySummary> Replayer::Run(
    const ReplayOptions& options, std::unique_ptr<EventSource> source) {
  if (auto s = CheckOptions(options); !s.ok()) return s;
  const absl::Time start = absl::Now();
  ReplaySummary summary;
  summary.input = !options.from_log.empty()
                      ? absl::StrCat("--from_log ", options.from_log)
                  : options.input.path == "-" ? "stdin"
                                              : options.input.path;
  summary.batch_size = options.batch_size;
  summary.out = options.out;
  summary.out_format = options.out_format;

  std::string dir = options.state_dir;
  const bool temporary = dir.empty();
  if (temporary) {
    absl::StatusOr<std::string> made = MakeTempStateDir();
    if (!made.ok()) return made.status();
    dir = *made;
  }
  absl::Cleanup remove_temporary = [&] {
    if (temporary) (void)RemoveTree(dir);
  };
  if (auto s = PrepareStateDir(dir, options.from_log); !s.ok()) return s;
  summary.state_dir = temporary ? "" : dir;

  ReplayEngine re;
  {
    if (auto s = re.Start(options, dir); !s.ok()) return s;
    summary.pipeline_name = re.pipeline->config().name();
    summary.pipeline_version = re.pipeline->version_hash();
    summary.shards = re.engine->shard_count();
    Feeder feeder(options, re.log.get(), re.output.get(), &summary);
    std::unique_ptr<ProgressBar> bar;
    if (options.progress) {
      bar = std::make_unique<ProgressBar>(stderr, feeder.read_counter(),
                                          source.get());
    }
    absl::Status fed = feeder.Run(source.get());
    if (bar != nullptr) bar->Stop();
    if (!fed.ok()) return fed;
    if (auto s = re.Finish(); !s.ok()) return s;
  }
  // Every logged event has exactly one decision, sequences 1..logged;
  // anything else is a bug that must not pass as a clean replay.
  const uint64_t logged =
      summary.events_read - summary.rejected - summary.duplicates;
  absl::StatusOr<OutputSummary> merged = re.output->Finish(logged);
  if (!merged.ok()) return merged.status();
  summary.decided = merged->decisions;
  summary.routes = std::move(merged->routes);
  summary.detector_hits = std::move(merged->detector_hits);
  summary.output_sha256 = std::move(merged->sha256);
  summary.elapsed_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  summary.events_per_second =
      summary.elapsed_seconds > 0
          ? summary.events_read / summary.elapsed_seconds
          : 0;
  return summary;
}

}  // namespace riskflow::replay
