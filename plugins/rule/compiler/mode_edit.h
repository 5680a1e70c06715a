// mode_edit.h — where a rule's lifecycle keys are in a rules text, so
// `riskflow rules promote` can rewrite one line in place (comments and
// layout kept) instead of re-emitting the text.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_MODE_EDIT_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_MODE_EDIT_H_

#include <string_view>

namespace riskflow {
namespace rule {

// Where a rule's `mode:` line is (or where one would be inserted), for
// `riskflow rules promote`, which edits the text in place.
struct ModeEdit {
  bool found_rule = false;
  // Lines are 0-based. When has_mode is set, mode_line holds `mode: ...`;
  // otherwise insert_after is the rule's last property line.
  bool has_mode = false;
  int mode_line = -1;
  bool has_percent = false;
  int percent_line = -1;
  int insert_after = -1;
  int indent = 2;
};
ModeEdit LocateMode(std::string_view text, std::string_view rule);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_MODE_EDIT_H_
