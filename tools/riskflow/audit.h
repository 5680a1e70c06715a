// `riskflow audit verify --db FILE`: walks a hash-chained audit log (the
// case service's database, or any file holding pipeline/cases/audit_log.h's
// tables) and names the first entry that was edited, deleted or cut off.
#ifndef RISKFLOW_TOOLS_RISKFLOW_AUDIT_H_
#define RISKFLOW_TOOLS_RISKFLOW_AUDIT_H_

#include <ostream>
#include <string>
#include <vector>

namespace riskflow::cli {

inline constexpr char kAuditUsage[] =
    "riskflow audit verify --db FILE\n"
    "  Verifies the hash chain of an audit log (the case database of\n"
    "  riskflow-cases). Exit 0 when intact; 1 naming the first bad entry\n"
    "  (edited, deleted, or cut off the end).\n";

int AuditMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_AUDIT_H_
