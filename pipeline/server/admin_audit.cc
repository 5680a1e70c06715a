#include "pipeline/server/admin_audit.h"

#include "absl/strings/str_cat.h"
#include "pipeline/cases/json_text.h"

namespace riskflow::server {

std::string AdminAuditDetail(const AdminAuditRecord& r) {
  using cases::JsonString;
  std::string out = absl::StrCat(
      "{\"request_id\":", JsonString(r.request_id), ",\"outcome\":",
      JsonString(r.outcome.ok()
                     ? std::string("OK")
                     : absl::StrCat(absl::StatusCodeToString(r.outcome.code()),
                                    ": ", r.outcome.message())),
      ",\"authenticated\":", r.authenticated ? "true" : "false",
      ",\"roles\":", JsonString(r.roles));
  for (const auto& [key, value] : r.details) {
    absl::StrAppend(&out, ",", JsonString(key), ":", value);
  }
  out += "}";
  return out;
}

absl::StatusOr<std::unique_ptr<AdminAudit>> AdminAudit::Open(
    const std::string& path, std::function<int64_t()> now_ms) {
  absl::StatusOr<std::unique_ptr<cases::Db>> db =
      cases::AuditLog::OpenStandalone(path);
  if (!db.ok()) {
    return absl::Status(db.status().code(),
                        absl::StrCat("admin audit log ", path, ": ",
                                     db.status().message()));
  }
  return std::unique_ptr<AdminAudit>(
      new AdminAudit(*std::move(db), path, std::move(now_ms)));
}

absl::StatusOr<int64_t> AdminAudit::Append(const AdminAuditRecord& record) {
  const std::string detail = AdminAuditDetail(record);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int64_t> seq;
  // The transaction makes the entry and the head move together; its COMMIT
  // is the fsync (synchronous=FULL, sqlite_db.cc).
  absl::Status s = cases::InTransaction(*db_, [&]() -> absl::Status {
    seq = log_.Append(now_ms_(), record.identity, record.action,
                      record.target, detail);
    return seq.status();
  });
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("admin audit log ", path_,
                                               ": ", s.message()));
  }
  return seq;
}

absl::StatusOr<int64_t> AdminAudit::HeadSeq() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<cases::Stmt> head =
      db_->Prepare("SELECT seq FROM audit_head WHERE id = 1");
  if (!head.ok()) return head.status();
  absl::StatusOr<bool> row = head->Step();
  if (!row.ok()) return row.status();
  return *row ? head->Int(0) : 0;
}

absl::StatusOr<std::vector<cases::AuditEntry>> AdminAudit::Read(
    int64_t after, size_t limit, bool tail) {
  if (tail) {
    absl::StatusOr<int64_t> head = HeadSeq();
    if (!head.ok()) return head.status();
    after = std::max<int64_t>(0, *head - static_cast<int64_t>(limit));
  }
  absl::MutexLock lock(&mu_);
  return log_.Read(after, limit);
}

}  // namespace riskflow::server
