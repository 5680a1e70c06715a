#include "tools/riskflow/plugin_dev.h"

#include "tools/riskflow/common.h"

namespace riskflow::cli {

int PluginMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest =
      args.empty() ? args
                   : std::vector<std::string>(args.begin() + 1, args.end());
  if (sub == "new") return PluginNewMain(rest, out, err);
  if (sub == "test") return PluginTestMain(rest, out, err);
  if (sub == "help") {
    out << kPluginUsage;
    return kExitOk;
  }
  err << "riskflow plugin: "
      << (sub.empty() || sub[0] == '-' ? std::string("needs a subcommand first")
                                       : "unknown subcommand \"" + sub + "\"")
      << "; use new or test\n\n"
      << kPluginUsage;
  return kExitError;
}

}  // namespace riskflow::cli
