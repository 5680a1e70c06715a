// rules_edit.h — what `riskflow rules` knows about a pipeline without a
// daemon: the rule detectors and their rules (compiled with the plugin's
// own compiler, so list/show say exactly what riskflowd will run), and the
// edit `rules promote` makes to a pipeline file.
//
// Promote edits the text in place (one `mode:` line, and `canary_percent:`
// for a canary), so comments and layout survive, then proves the edit:
// the new file parses, the rule now has the requested mode, and the whole
// pipeline is otherwise unchanged (protobuf equality with only that
// detector's `rules` text replaced).
#ifndef RISKFLOW_TOOLS_RISKFLOW_RULES_EDIT_H_
#define RISKFLOW_TOOLS_RISKFLOW_RULES_EDIT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/rule/compiler/mode_edit.h"
#include "plugins/rule/compiler/rule_set.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow::cli {

inline constexpr char kRulePlugin[] = "rule";

struct RuleRow {
  std::string detector;
  std::string rule;
  rule::Mode mode = rule::Mode::kShadow;
  int canary_percent = 0;
  rf_route route = RF_ROUTE_UNSPECIFIED;
  rf_route on_error = RF_ROUTE_UNSPECIFIED;
  std::string code;
  // The detector sets `route:`, which overrides every rule's route hint —
  // shadow rules included (docs/rules.md).
  bool detector_route_overrides = false;
};

// Every rule of every `rule` detector; a detector whose rules do not
// compile is an error naming it.
absl::StatusOr<std::vector<RuleRow>> ListRules(
    const riskflow::v1::PipelineConfig& config);

// One line per rule, "  big_payout  shadow  FREEZE", for `riskflow
// plugins`; the compile error when the text does not compile.
std::string RulesSummary(const std::string& rules_text);

// Shadow-rule findings in a decisions JSONL file (riskflow replay output):
// per detector/rule the count of events it would have routed and where,
// and the first `samples` event ids. "" when the file holds none or is not
// JSONL. Shown by `riskflow rules report` and `riskflow report`.
std::string ShadowRulesSection(const std::string& decisions_path,
                               int samples);

// "detector/rule" -> the two names.
absl::Status SplitRuleName(const std::string& text, std::string* detector,
                           std::string* rule);

// The lines of `rules` text that belong to `rule` (header to the next
// header), for `rules show`.
absl::StatusOr<std::string> RuleText(const std::string& rules,
                                     const std::string& rule);

struct Promotion {
  std::string detector;
  std::string rule;
  rule::Mode to = rule::Mode::kLive;
  int percent = -1;  // -1: keep (canary needs one, given or already there)
};

struct PromoteResult {
  std::string yaml;  // the edited pipeline file
  rule::Mode from = rule::Mode::kShadow;
  int from_percent = 0;
  riskflow::v1::PipelineConfig before;
  riskflow::v1::PipelineConfig after;
};

// Edits the pipeline YAML text. The detector's `rules` must be a literal
// block scalar (`rules: |`), the way docs/rules.md writes it.
absl::StatusOr<PromoteResult> PromoteInYaml(const std::string& yaml,
                                            const Promotion& promotion);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_RULES_EDIT_H_
