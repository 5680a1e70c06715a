// `riskflow publish FILE.jsonl`: streams a JSONL file of events to riskflowd
// and prints what the daemon made of them.
#ifndef RISKFLOW_TOOLS_RISKFLOW_PUBLISH_H_
#define RISKFLOW_TOOLS_RISKFLOW_PUBLISH_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/publisher.h"

namespace riskflow::cli {

struct PublishOptions {
  GlobalOptions global;
  std::string file;  // "-" = stdin
  int64_t batch_size = 1000;
  int64_t window = 8;
};

inline constexpr char kPublishUsage[] =
    "riskflow publish FILE.jsonl [--batch_size 1000] [--window 8]\n"
    "  Streams events (one JSON riskflow.v1.Event per line, \"-\" = stdin)\n"
    "  over Ingest.Publish and prints accepted / duplicate / rejected counts.\n"
    "  Lines that are not valid JSON events are skipped and listed with their\n"
    "  line numbers, like events the daemon rejects. A UTF-8 BOM is ignored.\n"
    "  Exit code 0: all accepted or duplicates; 2: some lines rejected or\n"
    "  skipped; 1: error (I/O, connection, stream).\n";

// `args` are the command's arguments without the command word.
absl::StatusOr<PublishOptions> ParsePublishArgs(
    const std::vector<std::string>& args);

// Prints the summary of `summary` (rejections as
// "line N (event_id X): message") and returns the exit code.
int PrintPublishSummary(const PublishOptions& options,
                        const PublishSummary& summary, std::ostream& out,
                        std::ostream& err);

// Opens options.file, publishes it through `stub` and prints the summary.
int RunPublish(const PublishOptions& options,
               riskflow::v1::Ingest::StubInterface* stub, std::ostream& out,
               std::ostream& err);

// Parse, connect, run: the whole command as `riskflow publish` runs it.
int PublishMain(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PUBLISH_H_
