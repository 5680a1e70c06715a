#include "tools/riskflow/audit.h"

#include <memory>

#include "absl/time/time.h"
#include "pipeline/cases/audit_log.h"
#include "pipeline/cases/sqlite_db.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cli {

namespace {

int List(const std::string& path, int64_t limit, int64_t after,
         std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<riskflow::cases::Db>> db =
      riskflow::cases::Db::OpenReadOnly(path);
  if (!db.ok()) {
    err << "riskflow audit: " << db.status().message() << "\n";
    return kExitError;
  }
  riskflow::cases::AuditLog log(db->get());
  if (after < 0) {
    // The last `limit` entries: find the head first.
    absl::StatusOr<riskflow::cases::Stmt> head =
        (*db)->Prepare("SELECT seq FROM audit_head WHERE id = 1");
    absl::StatusOr<bool> row =
        head.ok() ? head->Step() : absl::StatusOr<bool>(head.status());
    if (!row.ok()) {
      err << "riskflow audit: " << row.status().message() << "\n";
      return kExitError;
    }
    const int64_t last = *row ? head->Int(0) : 0;
    after = std::max<int64_t>(0, last - limit);
  }
  absl::StatusOr<std::vector<riskflow::cases::AuditEntry>> entries =
      log.Read(after, static_cast<size_t>(limit));
  if (!entries.ok()) {
    err << "riskflow audit: " << entries.status().message() << "\n";
    return kExitError;
  }
  for (const riskflow::cases::AuditEntry& e : *entries) {
    out << e.seq << "\t"
        << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                            absl::FromUnixMillis(e.time_ms),
                            absl::UTCTimeZone())
        << "\t" << e.actor << "\t" << e.action << "\t" << e.subject << "\t"
        << e.detail << "\n";
  }
  return kExitOk;
}

}  // namespace

int AuditMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  std::string db, data_dir;
  int64_t limit = 20, after = -1;
  FlagSet flags("riskflow audit");
  flags.AddString("db", &db, "the database holding the audit log");
  flags.AddString("data_dir", &data_dir,
                  "riskflowd's data dir (its Admin audit log)");
  flags.AddInt("limit", &limit, "list: entries printed", 1);
  flags.AddInt("after", &after, "list: entries after this sequence", 0);
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) {
    err << "riskflow audit: " << rest.status().message() << "\n" << kAuditUsage;
    return kExitError;
  }
  const bool one_source = db.empty() != data_dir.empty();
  if (rest->size() != 1 || ((*rest)[0] != "verify" && (*rest)[0] != "list") ||
      !one_source) {
    err << "riskflow audit: expected `verify` or `list` and one of --db FILE "
           "or --data_dir DIR\n"
        << kAuditUsage;
    return kExitError;
  }
  const std::string path =
      db.empty()
          ? riskflow::cases::AdminAuditPath(ResolveUserPath(data_dir))
          : ResolveUserPath(db);
  if ((*rest)[0] == "list") return List(path, limit, after, out, err);
  absl::StatusOr<riskflow::cases::AuditVerifyResult> r =
      riskflow::cases::AuditLog::VerifyFile(path);
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
