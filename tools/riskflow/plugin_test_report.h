// What `riskflow plugin test` prints: per event, the annotations a detector
// made and the host calls (state reads and writes) behind them, then a
// summary; as text for people or as JSON lines for scripts.
#ifndef RISKFLOW_TOOLS_RISKFLOW_PLUGIN_TEST_REPORT_H_
#define RISKFLOW_TOOLS_RISKFLOW_PLUGIN_TEST_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/param_parse.h"
#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow::cli {

// The plugin and its configuration, printed before the events.
struct PluginReport {
  std::string path;
  std::string build_id;  // SHA-256 of the .so
  const rf_plugin_descriptor* descriptor = nullptr;
  std::string detector;  // the name annotations carry
  // Normalised as create() sees them, in schema order.
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<sdk::FakeHostCall> declarations;  // calls made by create()
};

// One event and what the detector did with it.
struct EventReport {
  int64_t sequence = 0;  // 1-based position in the input
  std::string event_id;
  std::string type;  // "PAYOUT"
  int64_t event_time_ms = 0;
  std::string account_id;
  std::vector<sdk::FakeHostCall> calls;  // in call order, annotate included
  std::vector<sdk::FakeAnnotation> annotations;
  // The on_event failure, "" when it succeeded. riskflowd discards the
  // annotations of a failed call and records DETECTOR_ERROR instead.
  std::string error;
};

struct RunSummary {
  int64_t events = 0;
  int64_t annotated = 0;  // events with at least one kept annotation
  int64_t failed = 0;     // events whose on_event failed
  std::map<std::string, int64_t> reasons;  // reason code -> annotations

  void Add(const EventReport& event);
};

// Text: "plugin NAME VERSION (ABI a.b) from PATH" and the configuration.
std::string FormatPluginText(const PluginReport& plugin);
// Text: a header line, the annotations, then the host calls other than
// annotate, each indented:
//   evt-3 PAYOUT 2026-01-01T00:00:02.000Z (1767225602000) account=acct-1
//     annotation VELOCITY score=0.6 route=FREEZE
//       message  6 PAYOUT events in 1m, above the limit of 5
//       evidence count=6, window_ms=60000, max_events=5
//     call window_add events[acct-1] +1 -> ok
//     call window_total events[acct-1] window=60000ms -> 6
std::string FormatEventText(const EventReport& event);
std::string FormatSummaryText(const RunSummary& summary);

// JSON lines, one object each: {"plugin":{...}}, {"event":{...}},
// {"summary":{...}}.
std::string FormatPluginJson(const PluginReport& plugin);
std::string FormatEventJson(const EventReport& event);
std::string FormatSummaryJson(const RunSummary& summary);

// The parameter table of a plugin, for "bad parameter" errors:
//   NAME  TYPE  DEFAULT  RANGE  DOC
std::string FormatSchemaText(const rf_plugin_descriptor& descriptor);

// A JSON string literal (quotes included); bytes >= 0x80 pass through.
std::string JsonString(std::string_view text);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PLUGIN_TEST_REPORT_H_
