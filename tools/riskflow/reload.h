// `riskflow reload FILE.yaml`: hot-swaps the pipeline riskflowd runs
// (Admin.ReloadPipeline), or with --dry_run only validates it.
#ifndef RISKFLOW_TOOLS_RISKFLOW_RELOAD_H_
#define RISKFLOW_TOOLS_RISKFLOW_RELOAD_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kReloadUsage[] =
    "riskflow reload FILE.yaml [--dry_run] [--format text|json] "
    "[--deadline_ms 30000]\n"
    "  Sends the pipeline in FILE.yaml to riskflowd (Admin.ReloadPipeline),\n"
    "  which validates it (YAML, plugins, parameters, detector start-up) and\n"
    "  switches every shard to it between micro-batches; --dry_run validates\n"
    "  without switching. A refused version leaves the running one; the\n"
    "  daemon's reason is printed and the exit code is 1.\n";

struct ReloadOptions {
  AdminOptions admin;
  // As the user typed it; it is also the source GetPipeline shows.
  std::string file;
  bool dry_run = false;
};

// `args` are the command's arguments without the command word.
absl::StatusOr<ReloadOptions> ParseReloadArgs(
    const std::vector<std::string>& args);

// One line: "pipeline 'default' version 3f2a1b4c5d6e took over after
// sequence 1234", "dry run: ... valid, version ..., not switched" or
// "unchanged: already running version ...".
std::string FormatReload(const riskflow::v1::ReloadPipelineResponse& response,
                         const std::string& file, bool dry_run);

// Reads options.file and asks the daemon behind `stub` to load it.
int RunReload(const ReloadOptions& options,
              riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
              std::ostream& err);

int ReloadMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_RELOAD_H_
