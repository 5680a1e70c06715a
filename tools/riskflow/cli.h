// The riskflow command line: finds the command word and hands the rest of
// the arguments to that command.
#ifndef RISKFLOW_TOOLS_RISKFLOW_CLI_H_
#define RISKFLOW_TOOLS_RISKFLOW_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace riskflow::cli {

// The overall usage text listing every command.
std::string UsageText();

// `args` excludes argv[0]. Global flags may come before the command word
// ("riskflow --target host:7411 health"). Returns the process exit code.
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_CLI_H_
