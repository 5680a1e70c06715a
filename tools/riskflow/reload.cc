#include "tools/riskflow/reload.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tools/riskflow/admin_command.h"

namespace riskflow::cli {
namespace {

// As git abbreviates commit hashes.
constexpr size_t kShortVersion = 12;

// Loading plugins and starting detectors takes longer than a read.
constexpr int64_t kReloadDeadlineMs = 30000;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<ReloadOptions> ParseReloadArgs(
    const std::vector<std::string>& args) {
  ReloadOptions options;
  options.admin.deadline_ms = kReloadDeadlineMs;
  std::string format = "text";
  FlagSet flags("riskflow reload");
  AddAdminFlags(&flags, &options.admin, &format);
  flags.AddBool("dry_run", &options.dry_run,
                "validate and load the pipeline, but do not switch to it");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->size() != 1) {
    return absl::InvalidArgumentError(
        positional->empty()
            ? "needs the pipeline file (riskflow reload FILE.yaml)"
            : absl::StrCat("takes one pipeline file (got ", positional->size(),
                           " arguments)"));
  }
  if (absl::Status s = ApplyFormatFlag(format, &options.admin); !s.ok()) {
    return s;
  }
  options.file = ResolveUserPath(positional->front());
  return options;
}

std::string FormatReload(const riskflow::v1::ReloadPipelineResponse& response,
                         const std::string& file, bool dry_run) {
  const riskflow::v1::PipelineInfo& pipeline = response.pipeline();
  const std::string version = pipeline.version_hash().substr(0, kShortVersion);
  const std::string name =
      pipeline.config().name().empty() ? "-" : pipeline.config().name();
  if (response.unchanged()) {
    return absl::StrCat("unchanged: already running version ", version,
                        " (pipeline '", name, "')\n");
  }
  if (dry_run) {
    return absl::StrCat("dry run: pipeline '", name, "' in ", file,
                        " is valid, version ", version, ", not switched\n");
  }
  return absl::StrCat("pipeline '", name, "' version ", version,
                      " took over after sequence ",
                      response.effective_after_sequence(), "\n");
}

int RunReload(const ReloadOptions& options,
              riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<std::string> yaml = ReadFile(options.file);
  if (!yaml.ok()) {
    err << "riskflow reload: " << yaml.status().message() << "\n";
    return kExitError;
  }
  if (yaml->empty()) {
    err << "riskflow reload: " << options.file << " is empty\n";
    return kExitError;
  }
  riskflow::v1::ReloadPipelineRequest request;
  request.set_yaml(*std::move(yaml));
  request.set_source(options.file);
  request.set_dry_run(options.dry_run);
  riskflow::v1::ReloadPipelineResponse response;
  auto context = MakeAdminContext(options.admin);
  grpc::Status status = stub->ReloadPipeline(context.get(), request, &response);
  if (!status.ok()) {
    err << "riskflow reload: "
        << AdminErrorSentence("ReloadPipeline", options.admin.global.target,
                              status)
        << "\n";
    return kExitError;
  }
  if (options.admin.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(response) << "\n";
  } else {
    out << FormatReload(response, options.file, options.dry_run);
  }
  return kExitOk;
}

int ReloadMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<ReloadOptions> options = ParseReloadArgs(args);
  if (!options.ok()) {
    err << "riskflow reload: " << options.status().message() << "\n";
    return kExitError;
  }
  return WithAdminStub("reload", options->admin.global, err,
                       [&](riskflow::v1::Admin::StubInterface* stub) {
                         return RunReload(*options, stub, out, err);
                       });
}

}  // namespace riskflow::cli
