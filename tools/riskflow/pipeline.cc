#include "tools/riskflow/pipeline.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/riskflow/decision_format.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

// ROUTE_UNSPECIFIED has a meaning in the config; say it rather than print
// the enum's placeholder name.
std::string RouteOr(riskflow::v1::Route route, const char* unspecified) {
  return route == riskflow::v1::ROUTE_UNSPECIFIED ? unspecified
                                                  : RouteName(route);
}

}  // namespace

std::string FormatPipeline(const riskflow::v1::PipelineInfo& info) {
  const riskflow::v1::PipelineConfig& config = info.config();
  std::string out = FormatTable({
      {"pipeline", config.name().empty() ? "-" : config.name()},
      {"version", info.version_hash()},
      {"source", info.source()},
      {"shards",
       config.shards() == 0 ? "one per core" : absl::StrCat(config.shards())},
      {"allowed lateness", absl::StrCat(config.allowed_lateness_ms(), " ms")},
      {"max batch", absl::StrCat(config.max_batch_events(), " events")},
  });
  if (config.detectors().empty()) {
    absl::StrAppend(&out, "\nno detectors\n");
    return out;
  }
  std::vector<std::vector<std::string>> rows = {
      {"DETECTOR", "PLUGIN", "ROUTE", "ON ERROR", "PARAMS"}};
  for (const auto& d : config.detectors()) {
    // Sorted, so the output is stable across runs.
    std::map<std::string, std::string> params(d.params().begin(),
                                              d.params().end());
    rows.push_back({d.name(), d.plugin(), RouteOr(d.route(), "route hint"),
                    RouteOr(d.on_error(), "default"),
                    absl::StrJoin(params, " ", absl::PairFormatter("="))});
  }
  absl::StrAppend(&out, "\n", FormatTable(rows));
  return out;
}

int RunPipeline(const AdminOptions& options,
                riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
                std::ostream& err) {
  auto context = MakeAdminContext(options);
  riskflow::v1::PipelineInfo info;
  grpc::Status status = stub->GetPipeline(
      context.get(), riskflow::v1::GetPipelineRequest(), &info);
  if (!status.ok()) {
    err << "riskflow pipeline: "
        << RpcErrorSentence("GetPipeline", options.global.target, status)
        << "\n";
    return kExitError;
  }
  if (options.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(info) << "\n";
  } else {
    out << FormatPipeline(info);
  }
  return kExitOk;
}

int PipelineMain(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  return AdminMain("pipeline", &RunPipeline, args, out, err);
}

}  // namespace riskflow::cli
