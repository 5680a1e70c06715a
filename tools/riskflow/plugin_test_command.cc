#include "tools/riskflow/plugin_test_command.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/jsonl_reader.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/param_parse.h"
#include "proto/riskflow/v1/event.pb.h"
#include "tools/riskflow/flags.h"
#include "tools/riskflow/plugin_test_report.h"

namespace riskflow::cli {
namespace {

constexpr char kCommand[] = "riskflow plugin test";

absl::Status Put(std::string key, std::string value,
                 std::map<std::string, std::string>* params) {
  key = std::string(absl::StripAsciiWhitespace(key));
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter \"=", value, "\" has no name (use k=v)"));
  }
  if (!params->emplace(key, std::move(value)).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", key, "' is given twice"));
  }
  return absl::OkStatus();
}

// The event as the fake host feeds it; sequence is its position in the file
// (riskflowd uses its log sequence).
sdk::FakeEvent ToFakeEvent(const riskflow::v1::Event& e, uint64_t sequence) {
  sdk::FakeEvent f;
  f.sequence = sequence;
  f.event_id = e.event_id();
  f.channel_id = e.channel_id();
  f.type = static_cast<rf_event_type>(e.type());
  f.event_time_ms = e.event_time_ms();
  f.account_id = e.account_id();
  f.counterparty = e.counterparty();
  f.amount_minor = e.amount_minor();
  f.currency = e.currency();
  f.source_amount_minor = e.source_amount_minor();
  f.source_currency = e.source_currency();
  f.fx_rate = e.fx_rate();
  f.country = e.country();
  f.counterparty_country = e.counterparty_country();
  f.latitude = e.latitude();
  f.longitude = e.longitude();
  f.ip = e.ip();
  f.device_id = e.device_id();
  for (const auto& [key, value] : e.attributes()) f.attributes[key] = value;
  return f;
}

absl::StatusOr<std::vector<riskflow::v1::Event>> ReadEvents(
    const std::string& path) {
  auto reader = replay::JsonlEventReader::Open(ResolveUserPath(path));
  if (!reader.ok()) return reader.status();
  std::vector<riskflow::v1::Event> events;
  for (;;) {
    riskflow::v1::Event event;
    absl::StatusOr<bool> more = (*reader)->Next(&event);
    if (!more.ok()) return more.status();
    if (!*more) return events;
    events.push_back(std::move(event));
  }
}

int Fail(std::ostream& err, const std::string& message) {
  err << kCommand << ": " << message << "\n";
  return kExitError;
}

}  // namespace

absl::Status AddParamList(const std::string& text,
                          std::map<std::string, std::string>* params) {
  std::vector<std::pair<std::string, std::string>> items;
  for (absl::string_view piece : absl::StrSplit(text, ',')) {
    size_t eq = piece.find('=');
    if (eq != absl::string_view::npos) {
      items.emplace_back(std::string(piece.substr(0, eq)),
                         std::string(piece.substr(eq + 1)));
    } else if (!items.empty()) {
      absl::StrAppend(&items.back().second, ",", piece);
    } else if (!absl::StripAsciiWhitespace(piece).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--params \"", text, "\": \"", piece, "\" is not k=v (use k=v,k=v)"));
    }
  }
  for (auto& [key, value] : items) {
    if (absl::Status s = Put(key, std::move(value), params); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status AddParam(const std::string& text,
                      std::map<std::string, std::string>* params) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--param \"", text, "\" is not k=v"));
  }
  return Put(text.substr(0, eq), text.substr(eq + 1), params);
}

absl::StatusOr<PluginTestOptions> ParsePluginTestArgs(
    const std::vector<std::string>& args) {
  PluginTestOptions options;
  std::vector<std::string> param_lists, params;
  std::string format = "text";
  FlagSet flags(kCommand);
  flags.AddString("plugin", &options.plugin, "the detector plugin (.so)");
  flags.AddString("events", &options.events,
                  "events, one JSON object per line (\"-\" for stdin)");
  flags.AddStringList("params", &param_lists,
                      "parameters as k=v,k=v (items without '=' continue "
                      "the previous value)");
  flags.AddStringList("param", &params, "one parameter, k=v");
  flags.AddString("detector", &options.detector,
                  "detector name for annotations and random seeds (default: "
                  "the plugin's name)");
  flags.AddString("format", &format, "text or json (JSON lines)");
  flags.AddInt("allowed_lateness_ms", &options.allowed_lateness_ms,
               "the pipeline's allowed lateness (ms): events later than this "
               "see windows clipped as in riskflowd",
               0);
  auto positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (!positional->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("takes no positional arguments (got \"", (*positional)[0],
                     "\"); use --plugin and --events"));
  }
  if (options.plugin.empty()) {
    return absl::InvalidArgumentError("needs --plugin FILE.so");
  }
  if (options.events.empty()) {
    return absl::InvalidArgumentError("needs --events FILE.jsonl");
  }
  for (const std::string& list : param_lists) {
    if (absl::Status s = AddParamList(list, &options.params); !s.ok()) return s;
  }
  for (const std::string& param : params) {
    if (absl::Status s = AddParam(param, &options.params); !s.ok()) return s;
  }
  auto parsed_format = ParseOutputFormat(format);
  if (!parsed_format.ok()) return parsed_format.status();
  options.format = *parsed_format;
  return options;
}

int RunPluginTest(const PluginTestOptions& options, std::ostream& out,
                  std::ostream& err) {
  // Everything that can be wrong with the inputs is found before any output.
  // `plugin` outlives `host`, whose destructor calls into the plugin.
  auto plugin = plugin_host::LoadPlugin(ResolveUserPath(options.plugin));
  if (!plugin.ok()) return Fail(err, std::string(plugin.status().message()));
  const rf_plugin_descriptor& d = (*plugin)->descriptor();

  sdk::ParsedParams parsed;
  std::string why;
  if (!sdk::ParseParams(d.params, d.param_count, options.params, &parsed,
                        &why)) {
    return Fail(err, absl::StrCat("bad parameters for ", d.name, ": ", why,
                                  "\n", FormatSchemaText(d)));
  }

  std::vector<sdk::FakeHostCall> calls;
  sdk::FakeHost host(&d);
  if (!options.detector.empty()) host.set_detector_name(options.detector);
  // FILE parameters: relative paths are the user's, as for every path.
  host.set_file_base_dir(ResolveUserPath("."));
  host.set_trace([&calls](const sdk::FakeHostCall& c) { calls.push_back(c); });
  if (sdk::Status s = host.Create(options.params); !s.ok()) {
    std::string message =
        absl::StrCat(d.name, " refused to start: ", s.message());
    if (!host.host_errors().empty()) {
      absl::StrAppend(&message,
                      " (host: ", absl::StrJoin(host.host_errors(), "; "), ")");
    }
    return Fail(err, message);
  }

  auto events = ReadEvents(options.events);
  if (!events.ok()) return Fail(err, std::string(events.status().message()));

  const bool json = options.format == OutputFormat::kJson;
  PluginReport report;
  report.path = (*plugin)->path();
  report.build_id = (*plugin)->build_id();
  report.descriptor = &d;
  report.detector = host.detector_name();
  for (size_t i = 0; i < host.params().size(); ++i) {
    const rf_param_value& v = host.params().data()[i];
    report.params.emplace_back(std::string(sdk::FromRf(v.name)),
                               std::string(sdk::FromRf(v.text)));
  }
  report.declarations = std::move(calls);
  calls.clear();
  out << (json ? FormatPluginJson(report) : FormatPluginText(report) + "\n");

  RunSummary summary;
  // The event log's watermark, computed the same way (pipeline/log): the
  // newest event time before this event, from 0, minus the lateness.
  int64_t newest_ms = 0;
  for (size_t i = 0; i < events->size(); ++i) {
    const riskflow::v1::Event& e = (*events)[i];
    EventReport r;
    r.sequence = static_cast<int64_t>(i + 1);
    r.event_id = e.event_id();
    r.type = riskflow::v1::EventType_Name(e.type());
    r.event_time_ms = e.event_time_ms();
    r.account_id = e.account_id();
    int64_t watermark = 0;
    if (__builtin_sub_overflow(newest_ms, options.allowed_lateness_ms,
                               &watermark)) {
      watermark = INT64_MIN;
    }
    host.set_watermark(watermark);
    newest_ms = std::max(newest_ms, e.event_time_ms());
    sdk::Status s = host.Feed(ToFakeEvent(e, i + 1), &r.annotations);
    if (!s.ok()) r.error = s.message();
    r.calls = std::move(calls);
    calls.clear();
    summary.Add(r);
    out << (json ? FormatEventJson(r) : FormatEventText(r));
  }
  out << (json ? FormatSummaryJson(summary)
               : "\n" + FormatSummaryText(summary));
  if (summary.failed > 0) {
    return Fail(
        err, absl::StrCat("the detector failed on ", summary.failed, " of ",
                          summary.events, " events (see the \"error\" lines)"));
  }
  return kExitOk;
}

int PluginTestMain(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  auto options = ParsePluginTestArgs(args);
  if (!options.ok()) return Fail(err, std::string(options.status().message()));
  return RunPluginTest(*options, out, err);
}

}  // namespace riskflow::cli
