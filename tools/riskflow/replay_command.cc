#include "tools/riskflow/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/plugin_host/plugin_policy.h"
#include "pipeline/replay/progress.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cli {
namespace {

using replay::WithThousands;

constexpr char kCommand[] = "riskflow replay";
constexpr int64_t kMaxBatchSize = 1 << 18;

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view item :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return out;
}

absl::StatusOr<riskflow::v1::PipelineConfig> LoadPipeline(
    const std::string& pipeline) {
  if (pipeline == "default") {
    return config::ParsePipelineYaml(config::DefaultPipelineYaml());
  }
  return config::LoadPipelineFile(ResolveUserPath(pipeline));
}

}  // namespace

absl::StatusOr<replay::ReplayOptions> ParseReplayArgs(
    const std::vector<std::string>& args) {
  replay::ReplayOptions options;
  GlobalOptions unused_global;  // accepted so `riskflow --target X replay`
                                // works; a replay talks to no daemon
  std::string pipeline = "default", plugin_path, format, out_format = "jsonl";
  std::string channels, accounts;
  int64_t from_ms = 0, to_ms = 0;
  int64_t shards = 0, batch_size = options.batch_size;
  int64_t ids_in_memory = static_cast<int64_t>(options.ids_in_memory);
  FlagSet flags(kCommand);
  AddGlobalFlags(&flags, &unused_global);
  flags.AddString("pipeline", &pipeline,
                  "pipeline YAML, or \"default\" for the embedded one");
  flags.AddString("plugin_path", &plugin_path,
                  "colon-separated plugin directories searched first");
  flags.AddString("input", &options.input.path,
                  "events file (.jsonl, .csv, .pb; .gz ok; - = stdin)");
  flags.AddString("format", &format,
                  "jsonl, csv or proto (default: from the file name)");
  flags.AddString("csv_map", &options.input.csv_map,
                  "CSV columns: event_field=column,... (attributes.KEY=col)");
  flags.AddString("from_log", &options.from_log,
                  "replay riskflowd's event log from this --data_dir");
  flags.AddInt("from_ms", &from_ms, "--from_log: event time >= this (ms)");
  flags.AddInt("to_ms", &to_ms, "--from_log: event time < this (ms)");
  flags.AddString("channels", &channels, "--from_log: only these channels");
  flags.AddString("accounts", &accounts, "--from_log: only these accounts");
  flags.AddString("state_dir", &options.state_dir,
                  "the replay's own RocksDB directory (default: a temporary "
                  "one, removed after)");
  flags.AddString("out", &options.out, "decision output file");
  flags.AddString("out_format", &out_format, "jsonl or proto");
  flags.AddInt("shards", &shards, "engine shards (0: the pipeline's)", 0);
  flags.AddInt("batch_size", &batch_size, "events per log submit", 1);
  flags.AddInt("ids_in_memory", &ids_in_memory,
               "distinct event ids deduplicated in memory before the index "
               "spills to --state_dir (~30-60 bytes each)",
               1);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (!positional->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "takes no positional arguments (got \"", positional->front(),
        "\"); name the input with --input FILE or --from_log DATA_DIR"));
  }
  const bool from_log = flags.WasSet("from_log");
  if (from_log == flags.WasSet("input")) {
    return absl::InvalidArgumentError(
        "needs exactly one input: --input FILE or --from_log DATA_DIR");
  }
  if (options.out.empty()) {
    return absl::InvalidArgumentError(
        "needs --out FILE for the decisions (a replay never writes to sinks)");
  }
  if (!from_log) {
    for (const char* f : {"from_ms", "to_ms", "channels", "accounts"}) {
      if (flags.WasSet(f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", f, " filters --from_log input only"));
      }
    }
  } else {
    for (const char* f : {"format", "csv_map"}) {
      if (flags.WasSet(f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", f, " applies to --input files only"));
      }
    }
    if (flags.WasSet("from_ms")) options.log_filter.from_ms = from_ms;
    if (flags.WasSet("to_ms")) options.log_filter.to_ms = to_ms;
    options.log_filter.channels = SplitList(channels);
    options.log_filter.accounts = SplitList(accounts);
    options.from_log = ResolveUserPath(options.from_log);
  }
  if (flags.WasSet("format")) {
    absl::StatusOr<replay::FileFormat> f = replay::ParseFileFormat(format);
    if (!f.ok()) return f.status();
    options.input.format = *f;
  }
  absl::StatusOr<replay::OutputFormat> of =
      replay::ParseOutputFormat(out_format);
  if (!of.ok()) return of.status();
  options.out_format = *of;
  if (shards > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shards must be at most 256, got ", shards));
  }
  options.shards = static_cast<uint32_t>(shards);
  // The event log admits a batch whole; beyond its intake it would only
  // wait for room.
  if (batch_size > kMaxBatchSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--batch_size must be at most ", kMaxBatchSize, ", got ", batch_size));
  }
  options.batch_size = static_cast<uint32_t>(batch_size);
  options.ids_in_memory = static_cast<size_t>(ids_in_memory);
  if (!options.input.path.empty() && options.input.path != "-") {
    options.input.path = ResolveUserPath(options.input.path);
  }
  options.out = ResolveUserPath(options.out);
  if (!options.state_dir.empty()) {
    options.state_dir = ResolveUserPath(options.state_dir);
  }
  absl::StatusOr<riskflow::v1::PipelineConfig> config = LoadPipeline(pipeline);
  if (!config.ok()) return config.status();
  options.pipeline = *std::move(config);
  if (pipeline != "default") {
    options.file_param_dir =
        plugin_host::FileParamDirFor(ResolveUserPath(pipeline));
  }
  for (absl::string_view dir :
       absl::StrSplit(plugin_path, ':', absl::SkipEmpty())) {
    options.plugin_search_path.push_back(ResolveUserPath(std::string(dir)));
  }
  for (std::string& dir : plugin_host::DefaultPluginSearchPath()) {
    options.plugin_search_path.push_back(std::move(dir));
  }
  options.progress = isatty(STDERR_FILENO) == 1;
  return options;
}

std::string FormatReplaySummary(const replay::ReplaySummary& s) {
  std::string out = absl::StrFormat(
      "replayed %s events from %s in %.2f s (%s events/s)\n",
      WithThousands(s.events_read), s.input, s.elapsed_seconds,
      WithThousands(static_cast<uint64_t>(s.events_per_second)));
  absl::StrAppend(&out, "  pipeline:   ", s.pipeline_name, " (",
                  s.pipeline_version.substr(0, 12), "), ", s.shards,
                  s.shards == 1 ? " shard" : " shards", ", batches of ",
                  s.batch_size, "\n");
  absl::StrAppend(
      &out, "  decided:    ", WithThousands(s.decided), " -> ", s.out, " (",
      s.out_format == replay::OutputFormat::kJsonl ? "jsonl" : "proto", ")\n");
  absl::StrAppend(&out, "  duplicates: ", WithThousands(s.duplicates), "\n");
  absl::StrAppend(&out, "  rejected:   ", WithThousands(s.rejected), "\n");
  for (const std::string& r : s.first_rejects) {
    absl::StrAppend(&out, "    ", r, "\n");
  }
  if (s.rejected > s.first_rejects.size()) {
    absl::StrAppend(&out, "    ... and ",
                    WithThousands(s.rejected - s.first_rejects.size()),
                    " more\n");
  }
  absl::StrAppend(&out, "  routes:\n");
  // Severity order, most severe first, as the router merges them.
  for (const char* route : {"FREEZE", "MANUAL_REVIEW", "NOTIFY", "PASS"}) {
    auto it = s.routes.find(route);
    absl::StrAppend(&out, absl::StrFormat("    %-14s %s\n", route,
                                          WithThousands(it == s.routes.end()
                                                            ? 0
                                                            : it->second)));
  }
  absl::StrAppend(&out, "  detectors (decisions annotated):\n");
  if (s.detector_hits.empty()) absl::StrAppend(&out, "    none\n");
  for (const auto& [name, hits] : s.detector_hits) {
    absl::StrAppend(&out, absl::StrFormat("    %-22s %s\n", name,
                                          WithThousands(hits)));
  }
  absl::StrAppend(&out, "  sha256:     ", s.output_sha256, "\n");
  if (!s.state_dir.empty()) {
    absl::StrAppend(&out, "  state dir:  ", s.state_dir, " (kept)\n");
  }
  return out;
}

int RunReplay(const replay::ReplayOptions& options, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<replay::ReplaySummary> summary =
      replay::Replayer::Run(options);
  if (!summary.ok()) {
    err << kCommand << ": " << summary.status().message() << "\n";
    return kExitError;
  }
  out << FormatReplaySummary(*summary);
  return summary->rejected > 0 ? kExitRejected : kExitOk;
}

int ReplayMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<replay::ReplayOptions> options = ParseReplayArgs(args);
  if (!options.ok()) {
    err << kCommand << ": " << options.status().message() << "\n\n"
        << kReplayUsage;
    return kExitError;
  }
  return RunReplay(*options, out, err);
}

}  // namespace riskflow::cli
