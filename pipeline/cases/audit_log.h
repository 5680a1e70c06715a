// A hash-chained, append-only audit log in SQLite: every entry carries the
// SHA-256 of the previous entry, and its own hash covers that link and all
// its fields, so editing any byte of an entry, deleting one, or reordering
// them breaks the chain at that entry. A one-row head (last sequence and
// hash) makes cutting entries off the end detectable too.
//
// The log lives in any Db: the case service keeps it in the case database
// (an action and its audit entry commit in one transaction), and riskflowd
// can keep its admin actions (reload, list change) in a file of its own
// through OpenStandalone, verified by the same `riskflow audit verify`.
#ifndef RISKFLOW_PIPELINE_CASES_AUDIT_LOG_H_
#define RISKFLOW_PIPELINE_CASES_AUDIT_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/cases/sqlite_db.h"

namespace riskflow::cases {

struct AuditEntry {
  int64_t seq = 0;
  int64_t time_ms = 0;
  std::string actor;    // who (a reviewer, "riskflow-cases" for the consumer)
  std::string action;   // "case.open", "case.transition", ...
  std::string subject;  // what ("case/12")
  std::string detail;   // free text / JSON
  std::string prev_hash;
  std::string hash;
};

// Where riskflowd keeps the audit log of its Admin actions (a standalone
// audit file, see OpenStandalone): <data_dir>/admin-audit.db.
inline std::string AdminAuditPath(const std::string& data_dir) {
  return data_dir + "/admin-audit.db";
}

// The hash of an entry given its fields and prev_hash (lowercase hex).
std::string AuditEntryHash(const AuditEntry& entry);

// SQL creating the audit tables; a migration of any Db that holds a log.
extern const char kAuditSchemaSql[];

struct AuditVerifyResult {
  bool ok = true;
  int64_t entries = 0;
  // The first bad entry's sequence (0 when ok) and what is wrong with it.
  int64_t first_bad_seq = 0;
  std::string problem;
};

class AuditLog {
 public:
  // The db must hold the tables of kAuditSchemaSql.
  explicit AuditLog(Db* db) : db_(db) {}

  // An audit-only database file (for riskflowd's admin actions later).
  static absl::StatusOr<std::unique_ptr<Db>> OpenStandalone(
      const std::string& path);

  // Verifies the chain in a database file (a case db or a standalone
  // audit db), opened read-only.
  static absl::StatusOr<AuditVerifyResult> VerifyFile(const std::string& path);

  // Appends inside the caller's transaction (the caller holds BEGIN
  // IMMEDIATE, so no other writer interleaves). Returns the new sequence.
  absl::StatusOr<int64_t> Append(int64_t time_ms, const std::string& actor,
                                 const std::string& action,
                                 const std::string& subject,
                                 const std::string& detail);

  // Entries with seq > after, at most `limit` (0 = all).
  absl::StatusOr<std::vector<AuditEntry>> Read(int64_t after,
                                               size_t limit = 0) const;

  // Walks the whole chain; never modifies anything.
  absl::StatusOr<AuditVerifyResult> Verify() const;

 private:
  Db* db_;
};

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_AUDIT_LOG_H_
