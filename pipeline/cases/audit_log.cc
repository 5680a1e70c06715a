#include "pipeline/cases/audit_log.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/config/hashing.h"

namespace riskflow::cases {

namespace {

const std::string kGenesis(64, '0');

// Length-prefixed, so no field can borrow bytes from its neighbour.
void AddField(std::string* out, const std::string& field) {
  absl::StrAppend(out, field.size(), ":", field, ";");
}

}  // namespace

const char kAuditSchemaSql[] =
    "CREATE TABLE audit_log ("
    "  seq INTEGER PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE TABLE audit_head ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  seq INTEGER NOT NULL,"
    "  hash TEXT NOT NULL);";

std::string AuditEntryHash(const AuditEntry& entry) {
  std::string bytes = "riskflow-audit-v1;";
  AddField(&bytes, entry.prev_hash);
  AddField(&bytes, absl::StrCat(entry.seq));
  AddField(&bytes, absl::StrCat(entry.time_ms));
  AddField(&bytes, entry.actor);
  AddField(&bytes, entry.action);
  AddField(&bytes, entry.subject);
  AddField(&bytes, entry.detail);
  return config::Sha256Hex(bytes);
}

absl::StatusOr<std::unique_ptr<Db>> AuditLog::OpenStandalone(
    const std::string& path) {
  static const std::vector<Migration> kMigrations = {{1, kAuditSchemaSql}};
  return Db::Open(path, kMigrations);
}

absl::StatusOr<AuditVerifyResult> AuditLog::VerifyFile(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<Db>> db = Db::OpenReadOnly(path);
  if (!db.ok()) return db.status();
  return AuditLog(db->get()).Verify();
}

absl::StatusOr<int64_t> AuditLog::Append(int64_t time_ms,
                                         const std::string& actor,
                                         const std::string& action,
                                         const std::string& subject,
                                         const std::string& detail) {
  AuditEntry entry;
  entry.seq = 1;
  entry.prev_hash = kGenesis;
  {
    absl::StatusOr<Stmt> head =
        db_->Cached("SELECT seq, hash FROM audit_head WHERE id = 1");
    if (!head.ok()) return head.status();
    absl::StatusOr<bool> row = head->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      entry.seq = head->Int(0) + 1;
      entry.prev_hash = head->Text(1);
    }
  }
  entry.time_ms = time_ms;
  entry.actor = actor;
  entry.action = action;
  entry.subject = subject;
  entry.detail = detail;
  entry.hash = AuditEntryHash(entry);
  absl::StatusOr<Stmt> insert = db_->Cached(
      "INSERT INTO audit_log(seq, time_ms, actor, action, subject, detail, "
      "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, entry.seq)
      .Bind(2, entry.time_ms)
      .Bind(3, entry.actor)
      .Bind(4, entry.action)
      .Bind(5, entry.subject)
      .Bind(6, entry.detail)
      .Bind(7, entry.prev_hash)
      .Bind(8, entry.hash);
  if (absl::Status s = insert->Run(); !s.ok()) return s;
  absl::StatusOr<Stmt> head = db_->Cached(
      "INSERT INTO audit_head(id, seq, hash) VALUES (1, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
  if (!head.ok()) return head.status();
  head->Bind(1, entry.seq).Bind(2, entry.hash);
  if (absl::Status s = head->Run(); !s.ok()) return s;
  return entry.seq;
}

absl::StatusOr<std::vector<AuditEntry>> AuditLog::Read(int64_t after,
                                                       size_t limit) const {
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT seq, time_ms, actor, action, subject, detail, prev_hash, hash "
      "FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, after).Bind(2, limit == 0 ? int64_t{-1}
                                          : static_cast<int64_t>(limit));
  std::vector<AuditEntry> entries;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AuditEntry e;
    e.seq = stmt->Int(0);
    e.time_ms = stmt->Int(1);
    e.actor = stmt->Text(2);
    e.action = stmt->Text(3);
    e.subject = stmt->Text(4);
    e.detail = stmt->Text(5);
    e.prev_hash = stmt->Text(6);
    e.hash = stmt->Text(7);
    entries.push_back(std::move(e));
  }
  return entries;
}

absl::StatusOr<AuditVerifyResult> AuditLog::Verify() const {
  AuditVerifyResult result;
  auto fail = [&](int64_t seq, std::string problem) {
    result.ok = false;
    result.first_bad_seq = seq;
    result.problem = std::move(problem);
    return result;
  };
  int64_t expected_seq = 1;
  std::string prev_hash = kGenesis;
  int64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<AuditEntry>> page = Read(after, 4096);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const AuditEntry& e : *page) {
      if (e.seq != expected_seq) {
        return fail(expected_seq,
                    absl::StrCat("entry ", expected_seq,
                                 " is missing (deleted): entry ", e.seq,
                                 " follows entry ", expected_seq - 1));
      }
      if (e.prev_hash != prev_hash) {
        return fail(e.seq, absl::StrCat("entry ", e.seq,
                                        ": prev_hash does not match the hash "
                                        "of entry ",
                                        e.seq - 1));
      }
      if (AuditEntryHash(e) != e.hash) {
        return fail(e.seq,
                    absl::StrCat("entry ", e.seq,
                                 ": contents do not match its hash (edited)"));
      }
      prev_hash = e.hash;
      ++expected_seq;
      ++result.entries;
      after = e.seq;
    }
  }
  absl::StatusOr<Stmt> head =
      db_->Prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head.ok()) return head.status();
  absl::StatusOr<bool> row = head->Step();
  if (!row.ok()) return row.status();
  const int64_t head_seq = *row ? head->Int(0) : 0;
  const std::string head_hash = *row ? head->Text(1) : kGenesis;
  if (head_seq < result.entries) {
    return fail(head_seq + 1,
                absl::StrCat("entry ", head_seq + 1,
                             " lies beyond the head (the head says ", head_seq,
                             "): appended outside the log"));
  }
  if (head_seq != result.entries) {
    return fail(result.entries + 1,
                absl::StrCat("entries ", result.entries + 1, "..", head_seq,
                             " are missing (the log was cut at entry ",
                             result.entries, "; the head says ", head_seq,
                             ")"));
  }
  if (head_hash != prev_hash) {
    return fail(head_seq, absl::StrCat("entry ", head_seq,
                                       ": hash does not match the head"));
  }
  return result;
}

}  // namespace riskflow::cases
