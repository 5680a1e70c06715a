// The replay's own state directory, and the rule that keeps a replay away
// from live data.
//
// A replay writes a REPLAY_STATE marker file into its state directory and
// creates fresh stores (log/, engine/) under it on every run. It refuses a
// directory that:
//   * is, contains or lies inside the data directory it replays from
//     (--from_log), or
//   * has a RocksDB LOCK (in itself, log/ or engine/) held by another
//     process — a running riskflowd, or
//   * lacks the marker but holds RocksDB files (CURRENT, IDENTITY or LOCK,
//     in itself, log/ or engine/) — a stopped riskflowd's data directory.
// An empty or new directory is fine; so is one with the marker, whose old
// stores are deleted first.
#ifndef RISKFLOW_PIPELINE_REPLAY_STATE_DIR_H_
#define RISKFLOW_PIPELINE_REPLAY_STATE_DIR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::replay {

inline constexpr char kReplayMarker[] = "REPLAY_STATE";

// Checks the rules above, creates `dir` (and parents) if needed, writes the
// marker and clears the previous run's stores. `input_data_dir` is the
// --from_log directory, or empty.
absl::Status PrepareStateDir(const std::string& dir,
                             const std::string& input_data_dir);

// A fresh directory under $TMPDIR (or /tmp) for a replay that was given no
// --state_dir.
absl::StatusOr<std::string> MakeTempStateDir();

// rm -r; errors name the path.
absl::Status RemoveTree(const std::string& dir);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_STATE_DIR_H_
