#include "tools/riskflow/quarantine.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/riskflow/admin_command.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {

absl::StatusOr<QuarantineOptions> ParseQuarantineArgs(
    const std::vector<std::string>& args) {
  QuarantineOptions options;
  std::string format = "text";
  FlagSet flags("riskflow quarantine");
  AddAdminFlags(&flags, &options.admin, &format);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->empty()) {
    return absl::InvalidArgumentError(
        "needs a subcommand: list or clear DETECTOR");
  }
  const std::string& action = positional->front();
  if (action == "list" && positional->size() == 1) {
    options.clear = false;
  } else if (action == "clear" && positional->size() == 2) {
    options.clear = true;
    options.detector = (*positional)[1];
  } else if (action == "clear") {
    return absl::InvalidArgumentError(
        "clear takes exactly one detector name (riskflow quarantine clear "
        "DETECTOR)");
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown subcommand \"", absl::StrJoin(*positional, " "),
                     "\" (valid: list, clear DETECTOR)"));
  }
  if (absl::Status s = ApplyFormatFlag(format, &options.admin); !s.ok()) {
    return s;
  }
  return options;
}

std::string FormatQuarantines(
    const riskflow::v1::ListQuarantinesResponse& response) {
  if (response.detectors().empty()) return "no detector is quarantined\n";
  std::vector<std::vector<std::string>> rows = {
      {"DETECTOR", "SEQUENCE", "SINCE", "BUILD", "REASON"}};
  for (const auto& q : response.detectors()) {
    rows.push_back(
        {q.detector(), q.sequence() == 0 ? "-" : absl::StrCat(q.sequence()),
         q.since_ms() == 0
             ? "-"
             : absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                absl::FromUnixMillis(q.since_ms()),
                                absl::UTCTimeZone()),
         q.plugin_build_id().substr(0, 12), q.reason()});
  }
  return FormatTable(rows);
}

int RunQuarantine(const QuarantineOptions& options,
                  riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
                  std::ostream& err) {
  auto context = MakeAdminContext(options.admin);
  if (!options.clear) {
    riskflow::v1::ListQuarantinesResponse response;
    grpc::Status status = stub->ListQuarantines(
        context.get(), riskflow::v1::ListQuarantinesRequest(), &response);
    if (!status.ok()) {
      err << "riskflow quarantine list: "
          << AdminErrorSentence("ListQuarantines", options.admin.global.target,
                                status)
          << "\n";
      return kExitError;
    }
    if (options.admin.format == OutputFormat::kJson) {
      out << MessageToPrettyJson(response) << "\n";
    } else {
      out << FormatQuarantines(response);
    }
    return kExitOk;
  }
  riskflow::v1::ClearQuarantineRequest request;
  request.set_detector(options.detector);
  riskflow::v1::ClearQuarantineResponse response;
  grpc::Status status =
      stub->ClearQuarantine(context.get(), request, &response);
  if (!status.ok()) {
    err << "riskflow quarantine clear: "
        << AdminErrorSentence("ClearQuarantine", options.admin.global.target,
                              status)
        << "\n";
    return kExitError;
  }
  if (options.admin.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(response) << "\n";
  } else {
    out << "cleared the quarantine of " << options.detector
        << "; it runs again from its next event\n";
  }
  return kExitOk;
}

int QuarantineMain(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  absl::StatusOr<QuarantineOptions> options = ParseQuarantineArgs(args);
  if (!options.ok()) {
    err << "riskflow quarantine: " << options.status().message() << "\n";
    return kExitError;
  }
  return WithAdminStub(
      options->clear ? "quarantine clear" : "quarantine list",
      options->admin.global, err,
      [&](riskflow::v1::Admin::StubInterface* stub) {
        return RunQuarantine(*options, stub, out, err);
      });
}

}  // namespace riskflow::cli
