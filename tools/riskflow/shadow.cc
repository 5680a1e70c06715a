#include "tools/riskflow/shadow.h"

#include <cstdint>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/map.h"
#include "tools/riskflow/admin_command.h"
#include "tools/riskflow/decision_format.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

using ::riskflow::v1::Decision;

// As git abbreviates commit hashes.
constexpr size_t kShortVersion = 12;

std::string Short(const std::string& version) {
  return version.empty() ? "-" : version.substr(0, kShortVersion);
}

std::string Delta(uint64_t live, uint64_t shadow) {
  if (shadow == live) return "0";
  return shadow > live ? absl::StrCat("+", shadow - live)
                       : absl::StrCat("-", live - shadow);
}

// NAME | LIVE | SHADOW | DELTA over the union of both maps' keys, sorted.
std::string SideBySide(const char* what,
                       const google::protobuf::Map<std::string, uint64_t>& live,
                       const google::protobuf::Map<std::string, uint64_t>& shadow,
                       const char* none) {
  std::set<std::string> names;
  for (const auto& [name, count] : live) names.insert(name);
  for (const auto& [name, count] : shadow) names.insert(name);
  if (names.empty()) return absl::StrCat(none, "\n");
  std::vector<std::vector<std::string>> rows = {
      {what, "LIVE", "SHADOW", "DELTA"}};
  for (const std::string& name : names) {
    auto l = live.find(name);
    auto s = shadow.find(name);
    const uint64_t live_count = l == live.end() ? 0 : l->second;
    const uint64_t shadow_count = s == shadow.end() ? 0 : s->second;
    rows.push_back({name, absl::StrCat(live_count),
                    absl::StrCat(shadow_count),
                    Delta(live_count, shadow_count)});
  }
  return FormatTable(rows);
}

// "ROUTE [detector:REASON,...]".
std::string RouteAndTags(const Decision& decision) {
  std::vector<std::string> tags;
  for (const auto& a : decision.annotations()) {
    std::string tag = a.detector();
    if (!a.reason_code().empty()) absl::StrAppend(&tag, ":", a.reason_code());
    tags.push_back(std::move(tag));
  }
  return absl::StrCat(RouteName(decision.route()), " [",
                      absl::StrJoin(tags, ","), "]");
}

std::string ChangeLine(const riskflow::v1::ChangedDecision& change) {
  const Decision& live = change.live();
  return absl::StrCat(
      live.sequence(), " ", live.channel_id(), "/", live.event_id(),
      " account=", live.account_id().empty() ? "-" : live.account_id(),
      " live=", RouteAndTags(live), " shadow=", RouteAndTags(change.shadow()));
}

}  // namespace

absl::StatusOr<ShadowOptions> ParseShadowArgs(
    const std::vector<std::string>& args) {
  ShadowOptions options;
  std::string format = "text";
  int64_t after = 0;
  int64_t through = 0;
  int64_t max = 0;
  FlagSet flags("riskflow shadow report");
  AddAdminFlags(&flags, &options.admin, &format);
  flags.AddInt("after", &after,
               "compare sequences after this one (0 = 100,000 back)", 0);
  flags.AddInt("through", &through,
               "compare sequences up to this one (0 = as far as both have "
               "decided)",
               0);
  flags.AddInt("max", &max, "changed decisions to list (0 = 100)", 0);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->empty()) {
    return absl::InvalidArgumentError(
        "needs a subcommand: report (riskflow shadow report)");
  }
  if (positional->size() != 1 || positional->front() != "report") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown subcommand \"", absl::StrJoin(*positional, " "),
                     "\" (valid: report)"));
  }
  if (through != 0 && through <= after) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--through ", through, " must be greater than --after ", after));
  }
  if (max > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max must be at most ", UINT32_MAX));
  }
  if (absl::Status s = ApplyFormatFlag(format, &options.admin); !s.ok()) {
    return s;
  }
  options.request.set_after_sequence(static_cast<uint64_t>(after));
  options.request.set_through_sequence(static_cast<uint64_t>(through));
  options.request.set_max_changes(static_cast<uint32_t>(max));
  return options;
}

std::string FormatShadowReport(const riskflow::v1::ShadowReport& r) {
  const bool same = r.live_version() == r.shadow_version();
  std::string range =
      r.through_sequence() > r.after_sequence()
          ? absl::StrCat(r.after_sequence() + 1, "..", r.through_sequence())
          : "none";
  std::string changed = absl::StrCat(r.changed());
  if (r.compared() > 0) {
    absl::StrAppend(&changed,
                    absl::StrFormat("  (%.2f%%)", 100.0 * r.changed() /
                                                      r.compared()));
  }
  std::string out = FormatTable({
      {"live version", Short(r.live_version()),
       absl::StrCat("decided through ", r.live_processed_sequence())},
      {"shadow version", Short(r.shadow_version()),
       absl::StrCat("decided through ", r.shadow_processed_sequence(),
                    same ? "  (same version as live)" : "")},
      {"sequences", range},
      {"compared", absl::StrCat(r.compared())},
      {"changed", changed},
  });
  absl::StrAppend(&out, "\n",
                  SideBySide("ROUTE", r.live_routes(), r.shadow_routes(),
                             "no decisions compared"));
  absl::StrAppend(&out, "\n",
                  SideBySide("DETECTOR", r.live_detectors(),
                             r.shadow_detectors(), "no detector routed"));
  if (r.changed() == 0) {
    absl::StrAppend(&out, "\nno changed decisions\n");
    return out;
  }
  absl::StrAppend(&out, "\nchanged decisions");
  if (static_cast<uint64_t>(r.changes_size()) < r.changed()) {
    absl::StrAppend(&out, " (first ", r.changes_size(), " of ", r.changed(),
                    "; --max for more)");
  }
  absl::StrAppend(&out, ":\n");
  for (const auto& change : r.changes()) {
    absl::StrAppend(&out, ChangeLine(change), "\n");
  }
  return out;
}

int RunShadowReport(const ShadowOptions& options,
                    riskflow::v1::Admin::StubInterface* stub,
                    std::ostream& out, std::ostream& err) {
  auto context = MakeAdminContext(options.admin);
  riskflow::v1::ShadowReport report;
  grpc::Status status =
      stub->GetShadowReport(context.get(), options.request, &report);
  if (!status.ok()) {
    err << "riskflow shadow report: "
        << AdminErrorSentence("GetShadowReport", options.admin.global.target,
                              status)
        << "\n";
    return kExitError;
  }
  if (options.admin.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(report) << "\n";
  } else {
    out << FormatShadowReport(report);
  }
  return kExitOk;
}

int ShadowMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<ShadowOptions> options = ParseShadowArgs(args);
  if (!options.ok()) {
    err << "riskflow shadow: " << options.status().message() << "\n";
    return kExitError;
  }
  return WithAdminStub("shadow report", options->admin.global, err,
                       [&](riskflow::v1::Admin::StubInterface* stub) {
                         return RunShadowReport(*options, stub, out, err);
                       });
}

}  // namespace riskflow::cli
