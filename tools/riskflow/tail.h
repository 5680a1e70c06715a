// `riskflow tail SINK`: prints the decisions in a sink's outbox, optionally
// following new ones and committing a named consumer's cursor.
#ifndef RISKFLOW_TOOLS_RISKFLOW_TAIL_H_
#define RISKFLOW_TOOLS_RISKFLOW_TAIL_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {

struct TailOptions {
  GlobalOptions global;
  riskflow::v1::Route sink = riskflow::v1::ROUTE_UNSPECIFIED;
  int64_t after = 0;  // print entries with sink_sequence > after
  bool follow = false;
  int64_t max = 0;  // 0 = unlimited
  std::string consumer;
  bool from_committed = false;
  bool commit = false;
  OutputFormat format = OutputFormat::kText;
};

inline constexpr char kTailUsage[] =
    "riskflow tail SINK [--after N] [--follow] [--max N] [--format text|json]\n"
    "              [--consumer NAME [--from_committed] [--commit]]\n"
    "  Prints the decisions in a sink (FREEZE, NOTIFY or MANUAL_REVIEW): the\n"
    "  backlog, then new ones with --follow. --commit stores the last printed\n"
    "  sequence as the consumer's cursor when tail stops (with --follow it\n"
    "  needs --max).\n";

absl::StatusOr<TailOptions> ParseTailArgs(const std::vector<std::string>& args);

// The Subscribe request these options ask for.
riskflow::v1::SubscribeRequest MakeSubscribeRequest(const TailOptions& options);

// Streams and prints (one line per decision, or DecisionToJson per line),
// then commits the cursor when asked. 0 on success, 1 on errors.
int RunTail(const TailOptions& options,
            riskflow::v1::Sinks::StubInterface* stub, std::ostream& out,
            std::ostream& err);

int TailMain(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_TAIL_H_
