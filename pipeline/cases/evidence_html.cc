#include "pipeline/cases/evidence_html.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace riskflow::cases {

namespace {

std::string Time(int64_t ms) {
  if (ms == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%E3S UTC", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

constexpr char kStyle[] =
    "body{font:13px/1.4 sans-serif;margin:2em;color:#111}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:1.5em;"
    "border-bottom:1px solid #999}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;"
    "vertical-align:top}th{background:#eee}"
    ".sha{font-family:monospace;word-break:break-all}"
    ".freeze{color:#a00;font-weight:bold}"
    "@media print{body{margin:0}h2{page-break-after:avoid}"
    "tr{page-break-inside:avoid}}";

}  // namespace

std::string RenderEvidenceHtml(const Case& c,
                               const std::vector<AttachedDecision>& decisions,
                               const std::vector<CaseAction>& history,
                               const std::string& evidence_sha256,
                               const std::vector<CaseStore::RecentEventsSnapshot>&
                                   recent_events) {
  std::string h = absl::StrCat(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Case ",
      c.id, " evidence</title><style>", kStyle, "</style></head><body>\n",
      "<h1>Case ", c.id, " &mdash; account ", HtmlEscape(c.account_id),
      "</h1>\n<table><tr><th>State</th><td>", StateName(c.state),
      " (version ", c.version, ")</td></tr><tr><th>Severity</th><td",
      c.severity == "FREEZE" ? " class=\"freeze\"" : "", ">",
      HtmlEscape(c.severity), "</td></tr><tr><th>Opened</th><td>",
      Time(c.opened_ms), "</td></tr><tr><th>Decisions</th><td>",
      decisions.size(), "</td></tr><tr><th>Evidence SHA-256</th>"
      "<td class=\"sha\">", evidence_sha256,
      "</td></tr></table>\n<p>The SHA-256 is over the JSON evidence export "
      "(riskflow-cases export), the document of record.</p>\n");
  absl::StrAppend(&h, "<h2>Decisions and detector evidence</h2>\n");
  for (const AttachedDecision& a : decisions) {
    const riskflow::v1::Decision& d = a.decision;
    absl::StrAppend(
        &h, "<table><tr><th colspan=\"5\">", HtmlEscape(d.decision_id()),
        " &middot; log sequence ", d.sequence(), " &middot; event time ",
        Time(d.event_time_ms()), " &middot; ",
        riskflow::v1::Route_Name(d.route()), " (via ", HtmlEscape(a.sink),
        ")</th></tr>\n<tr><th>Detector</th><th>Reason</th><th>Route</th>"
        "<th>Score</th><th>Evidence (state values seen)</th></tr>\n");
    for (const riskflow::v1::Annotation& n : d.annotations()) {
      std::vector<std::string> kvs;
      for (const riskflow::v1::Evidence& e : n.evidence()) {
        kvs.push_back(
            absl::StrCat(HtmlEscape(e.key()), " = ", HtmlEscape(e.value())));
      }
      absl::StrAppend(
          &h, "<tr><td>", HtmlEscape(n.detector()), " ",
          HtmlEscape(n.detector_version()), "</td><td>",
          HtmlEscape(n.reason_code()),
          n.message().empty() ? "" : absl::StrCat(": ", HtmlEscape(n.message())),
          "</td><td>", riskflow::v1::Route_Name(n.route()),
          n.suppressed_by().empty()
              ? ""
              : absl::StrCat(" (suppressed by ", HtmlEscape(n.suppressed_by()),
                             ")"),
          "</td><td>", n.score(), "</td><td>", absl::StrJoin(kvs, "<br>"),
          "</td></tr>\n");
    }
    std::vector<std::string> builds;
    for (const riskflow::v1::PluginBuild& b : d.plugin_builds()) {
      builds.push_back(absl::StrCat(HtmlEscape(b.detector()), " ",
                                    HtmlEscape(b.build_id())));
    }
    absl::StrAppend(&h, "<tr><td colspan=\"5\">pipeline ",
                    HtmlEscape(d.pipeline_version()), "; plugin builds: ",
                    absl::StrJoin(builds, ", "), "</td></tr></table>\n");
  }
  absl::StrAppend(&h,
                  "<h2>Timeline</h2>\n<table><tr><th>Time</th><th>Who</th>"
                  "<th>Action</th><th>State</th><th>Note</th>"
                  "<th>Attachments</th></tr>\n");
  for (const CaseAction& a : history) {
    std::vector<std::string> refs;
    for (const std::string& r : a.attachments) refs.push_back(HtmlEscape(r));
    absl::StrAppend(&h, "<tr><td>", Time(a.time_ms), "</td><td>",
                    HtmlEscape(a.actor), " (", HtmlEscape(a.role), ")</td><td>",
                    HtmlEscape(a.action), "</td><td>", a.from_state, " &rarr; ",
                    a.to_state, "</td><td>", HtmlEscape(a.note), "</td><td>",
                    absl::StrJoin(refs, "<br>"), "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n<h2>The account's recent events (from "
                      "riskflowd's log)</h2>\n");
  if (recent_events.empty()) {
    absl::StrAppend(&h, "<p>Not fetched yet.</p>\n");
  }
  for (const CaseStore::RecentEventsSnapshot& s : recent_events) {
    absl::StrAppend(&h, "<p>Taken ", Time(s.taken_ms), " (",
                    HtmlEscape(s.trigger), ")");
    if (!s.ok) {
      absl::StrAppend(&h, ": <b>could not be fetched</b>: ",
                      HtmlEscape(s.error), "</p>\n");
      continue;
    }
    absl::StrAppend(
        &h, ": ", s.response.events_size(), " events, newest first; log read "
        "back from sequence ", s.response.through_sequence(), " (",
        s.response.scanned_records(), " records, stopped by ",
        HtmlEscape(s.response.stopped_by()),
        s.response.complete() ? "" : "; <b>incomplete</b>: scan cap reached",
        ")</p>\n<table><tr><th>Sequence</th><th>Event</th><th>Type</th>"
        "<th>Event time</th><th>Amount</th><th>Counterparty</th>"
        "<th>Route</th><th>Reasons</th></tr>\n");
    for (const riskflow::v1::AccountEvent& e : s.response.events()) {
      std::vector<std::string> reasons;
      for (const riskflow::v1::Annotation& n : e.decision().annotations()) {
        reasons.push_back(absl::StrCat(HtmlEscape(n.detector()), ": ",
                                       HtmlEscape(n.reason_code())));
      }
      absl::StrAppend(
          &h, "<tr><td>", e.sequence(), "</td><td>",
          HtmlEscape(e.event().event_id()), "</td><td>",
          riskflow::v1::EventType_Name(e.event().type()), "</td><td>",
          Time(e.event().event_time_ms()), "</td><td>",
          e.event().amount_minor(), " ", HtmlEscape(e.event().currency()),
          "</td><td>", HtmlEscape(e.event().counterparty()), "</td><td>",
          e.decided() ? riskflow::v1::Route_Name(e.decision().route())
                      : std::string("(not decided yet)"),
          "</td><td>", absl::StrJoin(reasons, "<br>"), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }
  absl::StrAppend(&h, "</body></html>\n");
  return h;
}

}  // namespace riskflow::cases
