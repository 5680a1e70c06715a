// `riskflow audit verify|list`: walks a hash-chained audit log (riskflowd's
// Admin audit log in its data dir, the case service's database, or any file
// holding pipeline/cases/audit_log.h's tables) and names the first entry
// that was edited, deleted or cut off; or prints its latest entries.
#ifndef RISKFLOW_TOOLS_RISKFLOW_AUDIT_H_
#define RISKFLOW_TOOLS_RISKFLOW_AUDIT_H_

#include <ostream>
#include <string>
#include <vector>

namespace riskflow::cli {

inline constexpr char kAuditUsage[] =
    "riskflow audit verify (--data_dir DIR | --db FILE)\n"
    "  Verifies the hash chain of an audit log: riskflowd's Admin actions\n"
    "  (DIR/admin-audit.db) or a riskflow-cases database. Exit 0 when\n"
    "  intact; 1 naming the first bad entry (edited, deleted, or cut off).\n"
    "riskflow audit list (--data_dir DIR | --db FILE) [--limit N] [--after SEQ]\n"
    "  Prints entries (the last N, default 20; or those after SEQ), one per\n"
    "  line: seq, time, actor, action, subject, detail.\n";

int AuditMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_AUDIT_H_
