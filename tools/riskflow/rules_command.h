// `riskflow rules list|show|promote|report`: the scripted rules of the
// running pipeline (docs/rules.md). list/show read Admin.GetPipeline;
// promote edits the pipeline file and applies it through
// Admin.ReloadPipeline (validated by a dry run first, the file replaced
// atomically only once the daemon took the new version); report counts
// what shadow rules would have flagged in a decisions file.
#ifndef RISKFLOW_TOOLS_RISKFLOW_RULES_COMMAND_H_
#define RISKFLOW_TOOLS_RISKFLOW_RULES_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kRulesUsage[] =
    "riskflow rules list [--format text|json]\n"
    "riskflow rules show DETECTOR/RULE\n"
    "riskflow rules promote DETECTOR/RULE --to shadow|canary|live\n"
    "               [--percent N] --file PIPELINE.yaml [--dry_run]\n"
    "riskflow rules report --decisions FILE.jsonl [--samples 5]\n"
    "  Scripted rules (plugin `rule`): their modes in the running pipeline;\n"
    "  promote rewrites the rule's `mode:` in PIPELINE.yaml (which must be\n"
    "  what riskflowd runs), has riskflowd validate and switch to it\n"
    "  (Admin.ReloadPipeline, audited as a reload), then replaces the file;\n"
    "  report counts what shadow rules would have routed, with samples.\n";

struct RuleRow;
// The `rules list` table; warns about detectors whose `route:` overrides
// their rules.
std::string FormatRules(const std::vector<RuleRow>& rows);

int RulesMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_RULES_COMMAND_H_
