// A thin RAII layer over SQLite (Debian's libsqlite3): one connection in WAL
// mode, prepared statements with typed binds, transactions, and numbered
// schema migrations applied at open. Errors come back as absl::Status
// naming the SQL that failed, never as exceptions.
#ifndef RISKFLOW_PIPELINE_CASES_SQLITE_DB_H_
#define RISKFLOW_PIPELINE_CASES_SQLITE_DB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace riskflow::cases {

class Db;

// One prepared statement. Bind* take 1-based indexes like SQLite.
class Stmt {
 public:
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, absl::string_view text);
  Stmt& Bind(int index, const char* text) {
    return Bind(index, absl::string_view(text));
  }
  Stmt& BindBlob(int index, absl::string_view bytes);
  Stmt& BindNull(int index);

  // True when a row is ready, false when done.
  absl::StatusOr<bool> Step();
  // Runs to completion, ignoring rows.
  absl::Status Run();
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  friend class Db;
  Stmt(Db* db, sqlite3_stmt* stmt, std::string sql, bool cached = false)
      : db_(db), stmt_(stmt), cached_(cached), sql_(std::move(sql)) {}

  Db* db_;
  sqlite3_stmt* stmt_;
  // Owned by the Db's statement cache: reset, not finalized, when done.
  bool cached_ = false;
  std::string sql_;
  absl::Status bind_status_;
};

// A migration takes the schema from version `version - 1` to `version`.
struct Migration {
  int version;
  const char* sql;
};

class Db {
 public:
  // Opens (creating) the file in WAL mode with a busy timeout, then applies
  // every migration above the stored schema_version in one transaction
  // each. Migrations must be numbered 1, 2, 3, ... in order.
  static absl::StatusOr<std::unique_ptr<Db>> Open(
      const std::string& path, const std::vector<Migration>& migrations);
  // Opens an existing file read-only, without migrating (verification
  // tools must not change what they check).
  static absl::StatusOr<std::unique_ptr<Db>> OpenReadOnly(
      const std::string& path);
  ~Db();

  absl::StatusOr<Stmt> Prepare(absl::string_view sql);
  // Like Prepare, but the compiled statement is kept for the next call
  // with the same SQL (the hot paths run the same few statements for
  // every decision). Do not hold two of the same SQL at once.
  absl::StatusOr<Stmt> Cached(absl::string_view sql);
  absl::Status Exec(absl::string_view sql);

  absl::Status Begin() { return Exec("BEGIN IMMEDIATE"); }
  absl::Status Commit() { return Exec("COMMIT"); }
  // Best effort: used on error paths, after which the first error is what
  // the caller reports.
  void Rollback();

  int64_t LastInsertRowId() const;
  int Changes() const;
  // The stored schema version (0 for a new file before migrations).
  absl::StatusOr<int> SchemaVersion();
  const std::string& path() const { return path_; }

  absl::Status Error(absl::string_view what, int code) const;

 private:
  friend class Stmt;
  Db() = default;
  absl::Status Migrate(const std::vector<Migration>& migrations);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// Runs `body` in a BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
template <typename Body>
absl::Status InTransaction(Db& db, Body&& body) {
  if (absl::Status s = db.Begin(); !s.ok()) return s;
  absl::Status s = body();
  if (!s.ok()) {
    db.Rollback();
    return s;
  }
  s = db.Commit();
  if (!s.ok()) db.Rollback();
  return s;
}

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_SQLITE_DB_H_
