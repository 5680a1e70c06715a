// Replay: the engine's own code (event log, shards, detectors, router) run
// over recorded or imported events, with its own state directory, as fast
// as the machine allows. Decisions go to a file, never to sink outboxes.
//
// Determinism: events are logged in input order, so sequences and the
// event-time watermark follow the input alone; the shards' decisions are
// written in global sequence order as they commit (DecisionWriter). The
// output bytes therefore depend on the input and the pipeline only, not on
// the shard count, the batch size or thread timing.
//
// Speed: the same engine code as live, minus what only crash safety needs
// — no fsync, no WAL, no log records, event ids deduplicated in memory
// (log::MemoryIdIndex), state written only when a shard cache fills
// (CheckpointPolicy::WhenCacheFills). Analyst overrides (lists)
// are not replayed: the replay's list store starts empty.
#ifndef RISKFLOW_PIPELINE_REPLAY_REPLAYER_H_
#define RISKFLOW_PIPELINE_REPLAY_REPLAYER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/replay/decision_output.h"
#include "pipeline/replay/event_source.h"
#include "pipeline/replay/log_source.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow::replay {

struct ReplayOptions {
  riskflow::v1::PipelineConfig pipeline;
  std::vector<std::string> plugin_search_path;
  // Where FILE parameters with a relative path resolve: the pipeline
  // file's directory ("" = the working directory).
  std::string file_param_dir;

  // The input: a file (input.path set) or a riskflowd data directory.
  FileSourceOptions input;
  std::string from_log;
  LogFilter log_filter;

  // Empty: a fresh temporary directory, removed afterwards. Otherwise kept
  // (see state_dir.h for what is refused).
  std::string state_dir;
  std::string out;
  OutputFormat out_format = OutputFormat::kJsonl;

  // 0: the pipeline's shard count (0 there: one per core).
  uint32_t shards = 0;
  // Events per EventLog submit, as one Publish batch would carry.
  uint32_t batch_size = 1000;
  // Distinct event ids deduplicated in memory (~30-60 B each) before the
  // index spills to the state directory; the default fills a 2^25-slot
  // table exactly (at most ~840 MB, reached only by ~29M distinct ids).
  size_t ids_in_memory = (size_t{1} << 25) / 8 * 7;
  // Entities each shard's state cache holds (0: the engine's default). The
  // cache commits once a quarter of it holds unwritten changes; tests set it
  // tiny to force flushes and evictions. Does not change the output.
  size_t max_cached_entities_per_shard = 0;
  // Rejected events whose reason is kept for the summary.
  size_t max_reported_rejects = 10;
  // Draw a progress bar on stderr (the CLI sets this when it is a tty).
  bool progress = false;
};

struct ReplaySummary {
  std::string input;  // the file or "--from_log DIR"
  // Every record the input produced, malformed ones included, so
  // events_read = rejected + duplicates + decided.
  uint64_t events_read = 0;
  // Invalid records and events, skipped as the live daemon rejects them.
  uint64_t rejected = 0;
  std::vector<std::string> first_rejects;  // "events.csv:12: reason"
  // Re-sent (channel, event_id): not decided again, as live.
  uint64_t duplicates = 0;
  uint64_t decided = 0;  // one output record each
  std::map<std::string, uint64_t> routes;
  std::map<std::string, uint64_t> detector_hits;
  std::string pipeline_name;
  std::string pipeline_version;
  uint32_t shards = 0;
  uint32_t batch_size = 0;
  double elapsed_seconds = 0;
  double events_per_second = 0;  // events read / elapsed
  std::string out;
  OutputFormat out_format = OutputFormat::kJsonl;
  std::string output_sha256;
  std::string state_dir;  // empty when a temporary one was removed
};

class Replayer {
 public:
  // Opens the input named in `options` and replays it.
  static absl::StatusOr<ReplaySummary> Run(const ReplayOptions& options);

  // Replays an already open source (tests, callers with their own input).
  // options.input and options.from_log only label the summary, except
  // that from_log still keeps the state directory away from that data.
  static absl::StatusOr<ReplaySummary> Run(const ReplayOptions& options,
                                           std::unique_ptr<EventSource> source);
};

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_REPLAYER_H_
