// `riskflow plugin new|test`: the plugin developer kit, commands that work
// on plugin sources and .so files without a daemon (unlike `riskflow
// plugins`, which asks riskflowd what it has loaded).
#ifndef RISKFLOW_TOOLS_RISKFLOW_PLUGIN_DEV_H_
#define RISKFLOW_TOOLS_RISKFLOW_PLUGIN_DEV_H_

#include <array>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "tools/riskflow/plugin_new.h"
#include "tools/riskflow/plugin_test_command.h"

namespace riskflow::cli {
namespace internal {

// a + b as one NUL-terminated array, at compile time.
template <size_t A, size_t B>
constexpr std::array<char, A + B - 1> JoinText(const char (&a)[A],
                                               const char (&b)[B]) {
  std::array<char, A + B - 1> out{};
  for (size_t i = 0; i + 1 < A; ++i) out[i] = a[i];
  for (size_t i = 0; i < B; ++i) out[A - 1 + i] = b[i];
  return out;
}

inline constexpr auto kPluginUsageText =
    JoinText(kPluginNewUsage, kPluginTestUsage);

}  // namespace internal

inline constexpr const char* kPluginUsage = internal::kPluginUsageText.data();

// args start with the subcommand: "new" or "test".
int PluginMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PLUGIN_DEV_H_
