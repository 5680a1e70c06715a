#include "tools/riskflow/plugin_test_report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/riskflow/decision_format.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

constexpr size_t kShortBuildId = 12;

const char* RouteName(rf_route route) {
  switch (route) {
    case RF_ROUTE_UNSPECIFIED:
      return "UNSPECIFIED";
    case RF_ROUTE_PASS:
      return "PASS";
    case RF_ROUTE_NOTIFY:
      return "NOTIFY";
    case RF_ROUTE_MANUAL_REVIEW:
      return "MANUAL_REVIEW";
    case RF_ROUTE_FREEZE:
      return "FREEZE";
  }
  return "UNKNOWN";
}

std::string Score(double score) { return absl::StrFormat("%g", score); }

// Range bounds as integers when they are whole ("1..1000000000").
std::string Bound(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%g", value);
}

std::string JsonCall(const sdk::FakeHostCall& call) {
  std::string out = absl::StrCat("{\"call\":", JsonString(call.call));
  if (!call.state.empty()) {
    absl::StrAppend(&out, ",\"state\":", JsonString(call.state));
  }
  if (call.keyed)
    absl::StrAppend(&out, ",\"entity\":", JsonString(call.entity));
  if (!call.args.empty()) {
    absl::StrAppend(&out, ",\"args\":", JsonString(call.args));
  }
  absl::StrAppend(&out, ",\"status\":", static_cast<int>(call.status));
  if (!call.result.empty()) {
    absl::StrAppend(&out, ",\"result\":", JsonString(call.result));
  }
  absl::StrAppend(&out, ",\"text\":", JsonString(call.ToString()), "}");
  return out;
}

std::string JsonAnnotation(const sdk::FakeAnnotation& a) {
  std::vector<std::string> evidence;
  for (const auto& [key, value] : a.evidence) {
    evidence.push_back(absl::StrCat("{\"key\":", JsonString(key),
                                    ",\"value\":", JsonString(value), "}"));
  }
  return absl::StrCat("{\"detector\":", JsonString(a.detector),
                      ",\"reason_code\":", JsonString(a.reason_code),
                      ",\"score\":", Score(a.score),
                      ",\"route_hint\":", JsonString(RouteName(a.route_hint)),
                      ",\"message\":", JsonString(a.message), ",\"evidence\":[",
                      absl::StrJoin(evidence, ","), "]}");
}

}  // namespace

void RunSummary::Add(const EventReport& event) {
  ++events;
  if (!event.error.empty()) {
    ++failed;
    return;
  }
  if (!event.annotations.empty()) ++annotated;
  for (const auto& a : event.annotations) ++reasons[a.reason_code];
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string FormatPluginText(const PluginReport& plugin) {
  const rf_plugin_descriptor& d = *plugin.descriptor;
  std::string out =
      absl::StrCat("plugin ", d.name, " ", d.version, " (ABI ", d.abi_major,
                   ".", d.abi_minor, ") from ", plugin.path, "\n");
  absl::StrAppend(&out, "  build ", plugin.build_id.substr(0, kShortBuildId),
                  "\n  detector ", plugin.detector, "\n");
  std::vector<std::string> params;
  for (const auto& [name, value] : plugin.params) {
    params.push_back(absl::StrCat(name, "=", value));
  }
  absl::StrAppend(&out, "  params ",
                  params.empty() ? "(none)" : absl::StrJoin(params, ", "),
                  "\n");
  for (const auto& call : plugin.declarations) {
    absl::StrAppend(&out, "  call ", call.ToString(), "\n");
  }
  return out;
}

std::string FormatEventText(const EventReport& event) {
  std::string out =
      absl::StrCat(event.event_id.empty() ? "(no event_id)" : event.event_id,
                   " ", event.type, " ", FormatEventTime(event.event_time_ms),
                   " (", event.event_time_ms, ")");
  if (!event.account_id.empty()) {
    absl::StrAppend(&out, " account=", event.account_id);
  }
  absl::StrAppend(&out, "\n");
  const char* kept = event.error.empty() ? "" : " (discarded)";
  for (const auto& a : event.annotations) {
    absl::StrAppend(&out, "  annotation", kept, " ", a.reason_code,
                    " score=", Score(a.score),
                    " route=", RouteName(a.route_hint), "\n");
    if (!a.message.empty()) {
      absl::StrAppend(&out, "    message  ", a.message, "\n");
    }
    if (!a.evidence.empty()) {
      std::vector<std::string> pairs;
      for (const auto& [key, value] : a.evidence) {
        pairs.push_back(absl::StrCat(key, "=", value));
      }
      absl::StrAppend(&out, "    evidence ", absl::StrJoin(pairs, ", "), "\n");
    }
  }
  for (const auto& call : event.calls) {
    if (call.call == "annotate" && call.status == RF_OK) continue;
    absl::StrAppend(&out, "  call ", call.ToString(), "\n");
  }
  if (!event.error.empty()) {
    absl::StrAppend(&out, "  error ", event.error,
                    " (riskflowd would discard the annotations and route "
                    "the event by on_error)\n");
  }
  return out;
}

std::string FormatSummaryText(const RunSummary& summary) {
  std::string out =
      absl::StrCat("summary: ", summary.events, " events, ", summary.annotated,
                   " annotated, ", summary.failed, " failed\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& [reason, count] : summary.reasons) {
    rows.push_back({reason, absl::StrCat(count)});
  }
  if (!rows.empty()) absl::StrAppend(&out, FormatTable(rows, 2));
  return out;
}

std::string FormatPluginJson(const PluginReport& plugin) {
  const rf_plugin_descriptor& d = *plugin.descriptor;
  std::vector<std::string> params, declarations;
  for (const auto& [name, value] : plugin.params) {
    params.push_back(absl::StrCat(JsonString(name), ":", JsonString(value)));
  }
  for (const auto& call : plugin.declarations) {
    declarations.push_back(JsonCall(call));
  }
  return absl::StrCat(
      "{\"plugin\":{\"name\":", JsonString(d.name),
      ",\"version\":", JsonString(d.version), ",\"abi\":\"", d.abi_major, ".",
      d.abi_minor, "\",\"path\":", JsonString(plugin.path),
      ",\"build_id\":", JsonString(plugin.build_id),
      ",\"detector\":", JsonString(plugin.detector), ",\"params\":{",
      absl::StrJoin(params, ","), "},\"calls\":[",
      absl::StrJoin(declarations, ","), "]}}\n");
}

std::string FormatEventJson(const EventReport& event) {
  std::vector<std::string> annotations, calls;
  for (const auto& a : event.annotations) {
    annotations.push_back(JsonAnnotation(a));
  }
  for (const auto& call : event.calls) calls.push_back(JsonCall(call));
  return absl::StrCat("{\"event\":{\"sequence\":", event.sequence,
                      ",\"event_id\":", JsonString(event.event_id),
                      ",\"type\":", JsonString(event.type),
                      ",\"event_time_ms\":", event.event_time_ms,
                      ",\"account_id\":", JsonString(event.account_id),
                      ",\"annotations\":[", absl::StrJoin(annotations, ","),
                      "],\"calls\":[", absl::StrJoin(calls, ","),
                      "],\"error\":", JsonString(event.error), "}}\n");
}

std::string FormatSummaryJson(const RunSummary& summary) {
  std::vector<std::string> reasons;
  for (const auto& [reason, count] : summary.reasons) {
    reasons.push_back(absl::StrCat(JsonString(reason), ":", count));
  }
  return absl::StrCat("{\"summary\":{\"events\":", summary.events,
                      ",\"annotated\":", summary.annotated,
                      ",\"failed\":", summary.failed, ",\"annotations\":{",
                      absl::StrJoin(reasons, ","), "}}}\n");
}

std::string FormatSchemaText(const rf_plugin_descriptor& d) {
  if (d.param_count == 0) return absl::StrCat(d.name, " takes no parameters\n");
  std::vector<std::vector<std::string>> rows = {
      {"PARAM", "TYPE", "DEFAULT", "RANGE", "DOC"}};
  for (size_t i = 0; i < d.param_count; ++i) {
    const rf_param_spec& p = d.params[i];
    std::string range = "-";
    if (p.has_range) {
      range =
          p.type == RF_PARAM_DURATION
              ? absl::StrCat(sdk::FormatDurationMs(static_cast<int64_t>(p.min)),
                             "..",
                             sdk::FormatDurationMs(static_cast<int64_t>(p.max)))
              : absl::StrCat(Bound(p.min), "..", Bound(p.max));
    }
    rows.push_back({p.name != nullptr ? p.name : "?",
                    sdk::ParamTypeName(p.type),
                    p.required                   ? "(required)"
                    : p.default_value == nullptr ? "-"
                    : p.default_value[0] == '\0' ? "\"\""
                                                 : p.default_value,
                    range, p.doc != nullptr ? p.doc : ""});
  }
  return absl::StrCat(d.name, " parameters:\n", FormatTable(rows, 2));
}

}  // namespace riskflow::cli
