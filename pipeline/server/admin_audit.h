// riskflowd's audit log of Admin actions (issue 10, item 5): every reload,
// list change, hold, release and quarantine clear — refused ones included —
// appended to a hash-chained log in <data_dir>/admin-audit.db. The chain
// format is pipeline/cases/audit_log (one implementation of the hashing and
// chaining for the case service and riskflowd), so `riskflow audit verify`
// checks both. See docs/audit-log.md, "riskflowd's Admin actions".
#ifndef RISKFLOW_PIPELINE_SERVER_ADMIN_AUDIT_H_
#define RISKFLOW_PIPELINE_SERVER_ADMIN_AUDIT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/cases/audit_log.h"
#include "pipeline/cases/sqlite_db.h"

namespace riskflow::server {

using cases::AdminAuditPath;  // <data_dir>/admin-audit.db

// One Admin action as it is recorded.
struct AdminAuditRecord {
  // "admin.reload_pipeline", "admin.put_list_entry", ...
  std::string action;
  // What it acted on: "pipeline", "list/BLOCK/ACCOUNT/acct-1",
  // "account/acct-1", "detector/velocity".
  std::string target;
  std::string request_id;
  // The caller as the auth layer resolved it (docs/security.md).
  std::string identity;
  bool authenticated = false;
  // "admin", "reader", "no role", or "unrestricted" without a policy.
  std::string roles;
  // OK, or the error the caller got.
  absl::Status outcome;
  // Further JSON members in order: key -> JSON value text.
  std::vector<std::pair<std::string, std::string>> details;
};

// The entry's detail column: a JSON object with request_id, outcome
// ("OK" or "CODE: message"), authenticated, roles, then the details.
std::string AdminAuditDetail(const AdminAuditRecord& record);

class AdminAudit {
 public:
  // Opens (creating) the audit file. now_ms: the wall clock (Unix ms).
  static absl::StatusOr<std::unique_ptr<AdminAudit>> Open(
      const std::string& path, std::function<int64_t()> now_ms);

  // Appends one entry and commits it. SQLite runs with synchronous=FULL in
  // WAL mode, so the entry is on disk (fsync'ed) when this returns OK.
  // Returns the entry's sequence.
  absl::StatusOr<int64_t> Append(const AdminAuditRecord& record);

  // Entries with seq > after (oldest first), or the last `limit` when tail.
  absl::StatusOr<std::vector<cases::AuditEntry>> Read(int64_t after,
                                                      size_t limit, bool tail);
  // The last sequence (0 when empty).
  absl::StatusOr<int64_t> HeadSeq();

  const std::string& path() const { return path_; }

 private:
  AdminAudit(std::unique_ptr<cases::Db> db, std::string path,
             std::function<int64_t()> now_ms)
      : db_(std::move(db)),
        log_(db_.get()),
        path_(std::move(path)),
        now_ms_(std::move(now_ms)) {}

  absl::Mutex mu_;
  std::unique_ptr<cases::Db> db_ ABSL_PT_GUARDED_BY(mu_);
  cases::AuditLog log_ ABSL_GUARDED_BY(mu_);
  std::string path_;
  std::function<int64_t()> now_ms_;
};

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_ADMIN_AUDIT_H_
