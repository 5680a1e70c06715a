#include "tools/riskflow/health.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {

std::string FormatHealth(const riskflow::v1::Health& h) {
  // Events durable in the log but not yet through every shard.
  const uint64_t lag = h.durable_sequence() > h.processed_sequence()
                           ? h.durable_sequence() - h.processed_sequence()
                           : 0;
  std::vector<std::vector<std::string>> rows = {
      {"serving", h.serving() ? "yes" : "NO"},
      {"durable sequence", absl::StrCat(h.durable_sequence())},
      {"processed sequence",
       absl::StrCat(h.processed_sequence(), "  (", lag, " behind)")},
      {"shards", absl::StrCat(h.shards())},
      {"events processed", absl::StrCat(h.events_processed())},
      {"events rejected", absl::StrCat(h.events_rejected())},
      {"sink FREEZE", absl::StrCat(h.sink_freeze())},
      {"sink MANUAL_REVIEW", absl::StrCat(h.sink_manual_review())},
      {"sink NOTIFY", absl::StrCat(h.sink_notify())},
      {"FREEZE cap hits", absl::StrCat(h.freeze_cap_hits())},
      // --- faulty plugins (docs/plugin-faults.md) ---
      {"quarantined",
       h.quarantined_detectors().empty()
           ? "none"
           : absl::StrJoin(h.quarantined_detectors(), ", ")},
  };
  if (!h.freeze_cap_warning().empty()) {
    rows.push_back({"WARNING", h.freeze_cap_warning()});
  }
  return FormatTable(rows) +
         (h.not_serving_reason().empty()
              ? ""
              : absl::StrCat("not serving: ", h.not_serving_reason(), "\n"));
}

int RunHealth(const AdminOptions& options,
              riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
              std::ostream& err) {
  auto context = MakeAdminContext(options);
  riskflow::v1::Health health;
  grpc::Status status =
      stub->GetHealth(context.get(), riskflow::v1::GetHealthRequest(), &health);
  if (!status.ok()) {
    err << "riskflow health: "
        << RpcErrorSentence("GetHealth", options.global.target, status) << "\n";
    return kExitError;
  }
  if (options.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(health) << "\n";
  } else {
    out << FormatHealth(health);
  }
  if (!health.serving()) {
    err << "riskflow health: riskflowd at " << options.global.target
        << " is not serving\n";
    return kExitNotServing;
  }
  return kExitOk;
}

int HealthMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  return AdminMain("health", &RunHealth, args, out, err);
}

}  // namespace riskflow::cli
