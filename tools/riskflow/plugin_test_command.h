// `riskflow plugin test`: runs one detector plugin (.so) over JSONL events
// on the fake host, without a daemon, and shows what it did per event.
//
// The plugin is opened with riskflowd's own loader (dlopen, entry symbol,
// ABI and schema checks, same refusals and messages), its parameters are
// validated against its schema as riskflowd does, and events are fed in file
// order to a plugins/sdk FakeHost, whose windows behave exactly like
// riskflowd's state. A trace sink on the host records every host call.
#ifndef RISKFLOW_TOOLS_RISKFLOW_PLUGIN_TEST_COMMAND_H_
#define RISKFLOW_TOOLS_RISKFLOW_PLUGIN_TEST_COMMAND_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {

inline constexpr char kPluginTestUsage[] =
    "riskflow plugin test --plugin FILE.so --events FILE.jsonl\n"
    "    [--params k=v,k=v] [--param k=v]... [--detector NAME]\n"
    "    [--format text|json]\n"
    "  Runs one detector plugin over events (JSONL, \"-\" for stdin) on the\n"
    "  fake host: no daemon, riskflowd's ABI checks, parameter validation\n"
    "  and window semantics. Prints per event its annotations and the host\n"
    "  calls behind them (state reads and writes with their results), then\n"
    "  a summary. --params items without '=' continue the previous value\n"
    "  (types=PAYOUT,PAYMENT); --param takes one k=v verbatim. Exits 1 on a\n"
    "  bad plugin, parameter or event line, or when the detector fails on\n"
    "  any event.\n";

struct PluginTestOptions {
  std::string plugin;  // path to the .so
  std::string events;  // JSONL path or "-"
  std::map<std::string, std::string> params;
  std::string detector;  // annotations' detector name; "" = plugin name
  OutputFormat format = OutputFormat::kText;
  // The pipeline's allowed lateness: each event is fed with the watermark
  // the event log would give it (newest earlier event time minus this), so
  // late events see the windows riskflowd would show them.
  int64_t allowed_lateness_ms = 5 * 60 * 1000;
};

// Adds "k=v,k=v" to *params. An item without '=' belongs to the previous
// value, so LIST values need no quoting: "max_events=5,types=PAYOUT,PAYMENT"
// gives max_events=5 and types=PAYOUT,PAYMENT. A key given twice is an
// error naming it.
absl::Status AddParamList(const std::string& text,
                          std::map<std::string, std::string>* params);

// Adds one "k=v"; everything after the first '=' is the value.
absl::Status AddParam(const std::string& text,
                      std::map<std::string, std::string>* params);

absl::StatusOr<PluginTestOptions> ParsePluginTestArgs(
    const std::vector<std::string>& args);

int RunPluginTest(const PluginTestOptions& options, std::ostream& out,
                  std::ostream& err);

int PluginTestMain(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PLUGIN_TEST_COMMAND_H_
