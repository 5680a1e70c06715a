#include "tools/riskflow/audit.h"

#include "pipeline/cases/audit_log.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cli {

int AuditMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  std::string db;
  FlagSet flags("riskflow audit");
  flags.AddString("db", &db, "the database holding the audit log");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) {
    err << "riskflow audit: " << rest.status().message() << "\n" << kAuditUsage;
    return kExitError;
  }
  if (rest->size() != 1 || (*rest)[0] != "verify" || db.empty()) {
    err << "riskflow audit: expected `verify --db FILE`\n" << kAuditUsage;
    return kExitError;
  }
  absl::StatusOr<riskflow::cases::AuditVerifyResult> r =
      riskflow::cases::AuditLog::VerifyFile(ResolveUserPath(db));
  if (!r.ok()) {
    err << "riskflow audit: " << r.status().message() << "\n";
    return kExitError;
  }
  if (!r->ok) {
    err << "audit chain BROKEN at entry " << r->first_bad_seq << ": "
        << r->problem << "\n";
    return kExitError;
  }
  out << "audit chain OK: " << r->entries << " entries\n";
  return kExitOk;
}

}  // namespace riskflow::cli
