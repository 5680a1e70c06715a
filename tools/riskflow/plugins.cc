#include "tools/riskflow/plugins.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/riskflow/rules_edit.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

// Enough of a build id to tell builds apart, as git abbreviates hashes.
constexpr size_t kShortBuildId = 12;

// Integer bounds are the common case ("1..1000000"); %g would print 1e+06.
std::string Bound(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%g", value);
}

std::string Range(const riskflow::v1::ParamSpec& spec) {
  // An unset range comes through as 0..0.
  if (!spec.has_range()) return "-";
  return absl::StrCat(Bound(spec.min()), "..", Bound(spec.max()));
}

}  // namespace

std::string FormatPlugins(const riskflow::v1::ListPluginsResponse& response) {
  if (response.plugins().empty()) return "no plugins loaded\n";
  std::vector<std::vector<std::string>> summary = {
      {"DETECTOR", "PLUGIN", "BUILD", "ABI", "STATUS", "PATH"}};
  for (const auto& p : response.plugins()) {
    std::string status =
        p.quarantined()  ? absl::StrCat("QUARANTINED (", p.faults(), " faults)")
        : p.faults() > 0 ? absl::StrCat("ok (", p.faults(), " faults)")
                         : "ok";
    if (p.freeze_cap_hits() > 0) {
      absl::StrAppend(&status, ", FREEZE capped ", p.freeze_cap_hits(), "x");
    }
    summary.push_back(
        {p.detector(), absl::StrCat(p.plugin_name(), "@", p.plugin_version()),
         p.build_id().substr(0, kShortBuildId),
         absl::StrCat(p.abi_major(), ".", p.abi_minor()), status, p.path()});
  }
  std::string out = FormatTable(summary);
  for (const auto& p : response.plugins()) {
    absl::StrAppend(&out, "\n", p.detector(), " (", p.plugin_name(), "@",
                    p.plugin_version(), ")");
    if (!p.description().empty()) absl::StrAppend(&out, ": ", p.description());
    absl::StrAppend(&out, "\n");
    if (!p.partition_key().empty() && p.partition_key() != "account") {
      // A keyed stage (docs/keyed-stages.md).
      absl::StrAppend(&out, "  runs on the shard of the event's ",
                      p.partition_key(), "\n");
    }
    if (p.quarantined() && !p.quarantine_reason().empty()) {
      absl::StrAppend(&out, "  QUARANTINED: ", p.quarantine_reason(),
                      " (riskflow quarantine clear ", p.detector(), ")\n");
    }
    // Scripted rules: their names and modes instead of the raw text.
    const bool rule_plugin = p.plugin_name() == kRulePlugin;
    if (rule_plugin && p.values().count("rules") > 0) {
      absl::StrAppend(&out, RulesSummary(p.values().at("rules")));
    }
    if (p.params().empty()) {
      absl::StrAppend(&out, "  no parameters\n");
      continue;
    }
    std::vector<std::vector<std::string>> params = {
        {"PARAM", "TYPE", "VALUE", "DEFAULT", "RANGE", "DOC"}};
    for (const auto& spec : p.params()) {
      auto value = p.values().find(spec.name());
      const bool listed = rule_plugin && spec.name() == "rules";
      params.push_back({spec.name(), spec.type(),
                        value == p.values().end() ? "-"
                        : listed                  ? "(rules above)"
                                                  : value->second,
                        spec.required()                ? "(required)"
                        : spec.default_value().empty() ? "-"
                                                       : spec.default_value(),
                        Range(spec), spec.doc()});
    }
    absl::StrAppend(&out, FormatTable(params, 2));
  }
  return out;
}

int RunPlugins(const AdminOptions& options,
               riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
               std::ostream& err) {
  auto context = MakeAdminContext(options);
  riskflow::v1::ListPluginsResponse response;
  grpc::Status status = stub->ListPlugins(
      context.get(), riskflow::v1::ListPluginsRequest(), &response);
  if (!status.ok()) {
    err << "riskflow plugins: "
        << RpcErrorSentence("ListPlugins", options.global.target, status)
        << "\n";
    return kExitError;
  }
  if (options.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(response) << "\n";
  } else {
    out << FormatPlugins(response);
  }
  return kExitOk;
}

int PluginsMain(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  return AdminMain("plugins", &RunPlugins, args, out, err);
}

}  // namespace riskflow::cli
