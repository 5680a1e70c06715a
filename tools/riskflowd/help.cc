#include "tools/riskflowd/help.h"

#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace riskflow {

void UseRiskflowdFlagsForHelp() {
  absl::FlagsUsageConfig config;
  auto ours = [](absl::string_view file) {
    return absl::StrContains(file, "tools/riskflowd/");
  };
  config.contains_helpshort_flags = ours;
  config.contains_help_flags = ours;
  absl::SetFlagsUsageConfig(config);
}

}  // namespace riskflow
