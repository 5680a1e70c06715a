#include "tools/riskflow/decision_format.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace riskflow::cli {

using ::riskflow::v1::Annotation;
using ::riskflow::v1::Decision;
using ::riskflow::v1::Route;

std::string RouteName(Route route) {
  if (riskflow::v1::Route_IsValid(route)) {
    return riskflow::v1::Route_Name(route);
  }
  return absl::StrCat("ROUTE_", static_cast<int>(route));
}

absl::StatusOr<Route> ParseSink(const std::string& text) {
  std::string upper =
      absl::StrReplaceAll(absl::AsciiStrToUpper(text), {{"-", "_"}});
  if (upper == "FREEZE") return riskflow::v1::FREEZE;
  if (upper == "NOTIFY") return riskflow::v1::NOTIFY;
  if (upper == "MANUAL_REVIEW") return riskflow::v1::MANUAL_REVIEW;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown sink \"", text,
                   "\" (valid sinks: FREEZE, NOTIFY, MANUAL_REVIEW)"));
}

std::string FormatEventTime(int64_t event_time_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                          absl::FromUnixMillis(event_time_ms),
                          absl::UTCTimeZone());
}

namespace {

std::string AnnotationTag(const Annotation& annotation) {
  std::string tag = annotation.detector();
  if (!annotation.reason_code().empty()) {
    absl::StrAppend(&tag, ":", annotation.reason_code());
  }
  if (annotation.degraded()) absl::StrAppend(&tag, "(degraded)");
  return tag;
}

std::string RouteList(const Decision& decision) {
  std::vector<std::string> names;
  for (int route : decision.routes()) {
    names.push_back(RouteName(static_cast<Route>(route)));
  }
  return names.empty() ? "-" : absl::StrJoin(names, ", ");
}

}  // namespace

std::string FormatDecisionLine(const Decision& decision) {
  std::string line = absl::StrCat(
      "#", decision.sink_sequence(), " ", RouteName(decision.route()), " ",
      decision.channel_id(), "/", decision.event_id(),
      " account=", decision.account_id().empty() ? "-" : decision.account_id());
  for (const Annotation& annotation : decision.annotations()) {
    absl::StrAppend(&line, " ", AnnotationTag(annotation));
  }
  if (decision.late()) absl::StrAppend(&line, " late");
  return line;
}

std::string FormatDecisionText(const Decision& decision, bool duplicate) {
  std::string out;
  absl::StrAppend(
      &out, "decision   ", decision.channel_id(), "/", decision.event_id(),
      duplicate ? "  (duplicate: the original decision)" : "", "\n");
  absl::StrAppend(&out, "route      ", RouteName(decision.route()),
                  "  (sinks: ", RouteList(decision), ")\n");
  absl::StrAppend(&out, "account    ", decision.account_id(), "\n");
  absl::StrAppend(&out, "sequence   ", decision.sequence(), "\n");
  absl::StrAppend(&out, "event time ",
                  FormatEventTime(decision.event_time_ms()),
                  decision.late() ? "  (late)" : "", "\n");
  absl::StrAppend(&out, "pipeline   ", decision.pipeline_version(), "\n");
  if (decision.annotations().empty()) {
    absl::StrAppend(&out, "annotations: none\n");
    return out;
  }
  absl::StrAppend(&out, "annotations:\n");
  for (const Annotation& a : decision.annotations()) {
    absl::StrAppend(&out, "  ", a.detector());
    if (!a.detector_version().empty()) {
      absl::StrAppend(&out, "@", a.detector_version());
    }
    absl::StrAppend(&out, "  ", a.reason_code().empty() ? "-" : a.reason_code(),
                    "  score=", a.score(), "  route=", RouteName(a.route()));
    if (a.degraded()) absl::StrAppend(&out, "  DEGRADED");
    absl::StrAppend(&out, "\n");
    if (!a.message().empty()) absl::StrAppend(&out, "    ", a.message(), "\n");
    for (const auto& evidence : a.evidence()) {
      absl::StrAppend(&out, "    ", evidence.key(), " = ", evidence.value(),
                      "\n");
    }
  }
  return out;
}

}  // namespace riskflow::cli
