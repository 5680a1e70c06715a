// `riskflow replay`: runs the engine's own code over a file or a data
// directory's event log, in this process, and writes every decision to a
// file. It never talks to riskflowd and never writes to a sink.
#ifndef RISKFLOW_TOOLS_RISKFLOW_REPLAY_COMMAND_H_
#define RISKFLOW_TOOLS_RISKFLOW_REPLAY_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/replay/replayer.h"

namespace riskflow::cli {

inline constexpr char kReplayUsage[] =
    "riskflow replay (--input FILE [--format jsonl|csv|proto] [--csv_map "
    "field=column,...] | --from_log DATA_DIR [--from_ms MS] [--to_ms MS] "
    "[--channels a,b] [--accounts x,y]) --out DECISIONS [--out_format "
    "jsonl|proto] [--pipeline P.yaml|default] [--state_dir DIR] [--shards N] "
    "[--batch_size N]\n"
    "  Replays events through a pipeline in this process, as fast as the\n"
    "  machine allows, and writes one decision per event to --out (clean\n"
    "  PASS included), sorted by sequence; the same input and pipeline give\n"
    "  the same bytes whatever --shards and --batch_size. Files may be\n"
    "  gzip'd. Refuses a live data directory as --state_dir; never writes\n"
    "  to a sink. Exit code 0: done; 2: done, some events rejected; 1: error.\n";

// `args` are the command's arguments without the command word. Paths are
// resolved against the user's directory (see ResolveUserPath).
absl::StatusOr<replay::ReplayOptions> ParseReplayArgs(
    const std::vector<std::string>& args);

// The terminal summary: counts, routes, detectors, rate, output hash.
std::string FormatReplaySummary(const replay::ReplaySummary& summary);

// Runs the replay and prints the summary; returns the exit code.
int RunReplay(const replay::ReplayOptions& options, std::ostream& out,
              std::ostream& err);

int ReplayMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_REPLAY_COMMAND_H_
