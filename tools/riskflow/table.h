// Plain-text tables with left-aligned columns, for the admin commands.
#ifndef RISKFLOW_TOOLS_RISKFLOW_TABLE_H_
#define RISKFLOW_TOOLS_RISKFLOW_TABLE_H_

#include <string>
#include <vector>

namespace riskflow::cli {

// Every row is indented by `indent` spaces; columns are separated by two
// spaces and padded to the widest cell. Trailing blanks are trimmed.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows,
                        int indent = 0);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_TABLE_H_
