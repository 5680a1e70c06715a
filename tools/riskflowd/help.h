// `riskflowd --help` / `--helpshort` list riskflowd's own flags.
#ifndef RISKFLOW_TOOLS_RISKFLOWD_HELP_H_
#define RISKFLOW_TOOLS_RISKFLOWD_HELP_H_

namespace riskflow {

// Abseil's default help filter only matches flags defined in a file named
// after the program (riskflowd.cc, riskflowd_main.cc); riskflowd's flags
// live in tools/riskflowd/main.cc, so plain --help printed "No flags
// matched". Call before absl::ParseCommandLine.
void UseRiskflowdFlagsForHelp();

}  // namespace riskflow

#endif  // RISKFLOW_TOOLS_RISKFLOWD_HELP_H_
