// `riskflow evaluate`: asks riskflowd for the decision on one event, inline,
// as an acquiring channel's authorization path would.
#ifndef RISKFLOW_TOOLS_RISKFLOW_EVALUATE_H_
#define RISKFLOW_TOOLS_RISKFLOW_EVALUATE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/event.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {

struct EvaluateOptions {
  GlobalOptions global;
  std::string json;  // the event inline, or
  std::string file;  // a file holding one JSON event ("-" = stdin)
  int64_t deadline_ms = 200;
  OutputFormat format = OutputFormat::kJson;
};

inline constexpr char kEvaluateUsage[] =
    "riskflow evaluate (--json '{...}' | --file EVENT.json) [--deadline_ms "
    "200] [--format json|text]\n"
    "  Calls Ingest.Evaluate and prints the decision and whether it was a\n"
    "  duplicate. The event is logged durably like a published one.\n";

absl::StatusOr<EvaluateOptions> ParseEvaluateArgs(
    const std::vector<std::string>& args);

// The event from --json or --file; errors name the source.
absl::StatusOr<riskflow::v1::Event> LoadEvaluateEvent(
    const EvaluateOptions& options);

// JSON: {"duplicate":false,"decision":{...}} on one line; text: the
// multi-line form. Exit code 0 whatever the route; 1 on errors.
int RunEvaluate(const EvaluateOptions& options,
                riskflow::v1::Ingest::StubInterface* stub, std::ostream& out,
                std::ostream& err);

int EvaluateMain(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_EVALUATE_H_
