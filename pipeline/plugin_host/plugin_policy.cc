#include "pipeline/plugin_host/plugin_policy.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/config/validate.h"

namespace riskflow::plugin_host {

absl::StatusOr<std::vector<std::string>> ReadPluginAllowlist(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugin allowlist ", path, ": cannot be read"));
  }
  std::vector<std::string> hashes;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = line;
    if (size_t hash = text.find('#'); hash != absl::string_view::npos) {
      text = text.substr(0, hash);
    }
    text = absl::StripAsciiWhitespace(text);
    if (text.empty()) continue;
    std::string lower = absl::AsciiStrToLower(text);
    if (!config::IsSha256Hex(lower)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "plugin allowlist ", path, ":", number,
          ": expected a SHA-256 as 64 hex digits, got '",
          text.substr(0, 80), "'"));
    }
    hashes.push_back(std::move(lower));
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugin allowlist ", path, ": read error"));
  }
  return hashes;
}

BuildApproval ApproveBuilds(const PluginPolicy& policy,
                            const riskflow::v1::PipelineConfig& config) {
  std::vector<std::string> daemon_list = policy.sha256_allowlist;
  std::vector<std::string> pipeline_list(
      config.plugin_sha256_allowlist().begin(),
      config.plugin_sha256_allowlist().end());
  if (daemon_list.empty() && pipeline_list.empty()) return nullptr;
  return [daemon_list = std::move(daemon_list),
          pipeline_list = std::move(pipeline_list)](
             const std::string& sha256) -> absl::Status {
    auto listed = [&](const std::vector<std::string>& list) {
      return list.empty() ||
             std::find(list.begin(), list.end(), sha256) != list.end();
    };
    if (!listed(daemon_list)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "build sha256 ", sha256,
          " is not on riskflowd's --plugin_allowlist"));
    }
    if (!listed(pipeline_list)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "build sha256 ", sha256,
          " is not in the pipeline's plugin_sha256_allowlist"));
    }
    return absl::OkStatus();
  };
}

std::string FileParamDirFor(const std::string& pipeline_file) {
  if (pipeline_file.empty() || pipeline_file == "-" ||
      pipeline_file.front() == '<') {
    return "";
  }
  const size_t slash = pipeline_file.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return pipeline_file.substr(0, slash);
}

}  // namespace riskflow::plugin_host
