#include "pipeline/cases/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace riskflow::cases {

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  if (cached_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      cached_(other.cached_),
      sql_(std::move(other.sql_)),
      bind_status_(std::move(other.bind_status_)) {
  other.stmt_ = nullptr;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = db_->Error(absl::StrCat("bind #", index, " of ", sql_), rc);
  }
  return *this;
}

Stmt& Stmt::Bind(int index, absl::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(),
                             static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = db_->Error(absl::StrCat("bind #", index, " of ", sql_), rc);
  }
  return *this;
}

Stmt& Stmt::BindBlob(int index, absl::string_view bytes) {
  int rc = sqlite3_bind_blob(stmt_, index, bytes.data(),
                             static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = db_->Error(absl::StrCat("bind #", index, " of ", sql_), rc);
  }
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = db_->Error(absl::StrCat("bind #", index, " of ", sql_), rc);
  }
  return *this;
}

absl::StatusOr<bool> Stmt::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(sql_, rc);
}

absl::Status Stmt::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

int64_t Stmt::Int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Stmt::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data), size);
}

bool Stmt::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<Db>> Db::Open(
    const std::string& path, const std::vector<Migration>& migrations) {
  std::unique_ptr<Db> db(new Db());
  db->path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &db->db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = db->Error(absl::StrCat("open ", path), rc);
    return s;
  }
  sqlite3_busy_timeout(db->db_, 5000);
  // WAL: readers (the CLI, a console) do not block the consumer's writes.
  // synchronous=FULL: a committed case survives a power cut, which is what
  // lets the consumer commit its cursor after it.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON"}) {
    // Switching a new file to WAL needs an exclusive lock, and SQLite does
    // not call the busy handler for it: when another process opens the
    // same new file at the same moment, retry for up to the busy timeout.
    absl::Status last;
    for (int attempt = 0; attempt < 500; ++attempt) {
      absl::StatusOr<Stmt> stmt = db->Prepare(pragma);
      last = stmt.ok() ? stmt->Run() : stmt.status();
      if (last.code() != absl::StatusCode::kUnavailable) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (!last.ok()) return last;
  }
  if (absl::Status s = db->Migrate(migrations); !s.ok()) return s;
  return db;
}

absl::StatusOr<std::unique_ptr<Db>> Db::OpenReadOnly(const std::string& path) {
  std::unique_ptr<Db> db(new Db());
  db->path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &db->db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = db->Error("open read-only", rc);
    if ((rc & 0xff) == SQLITE_CANTOPEN) return absl::NotFoundError(s.message());
    return s;
  }
  sqlite3_busy_timeout(db->db_, 5000);
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

absl::StatusOr<Stmt> Db::Cached(absl::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(absl::StrCat("prepare ", sql), rc);
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Stmt(this, it->second, it->first, /*cached=*/true);
}

absl::Status Db::Error(absl::string_view what, int code) const {
  std::string message =
      absl::StrCat(path_, ": ", what, ": ",
                   db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<Stmt> Db::Prepare(absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()),
                              &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return Error(absl::StrCat("prepare ", sql), rc);
  }
  return Stmt(this, stmt, std::string(sql));
}

absl::Status Db::Exec(absl::string_view sql) {
  std::string owned(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    absl::Status s = Error(owned, rc);
    return absl::Status(s.code(), absl::StrCat(path_, ": ", owned, ": ", text));
  }
  return absl::OkStatus();
}

void Db::Rollback() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Db::Changes() const { return sqlite3_changes(db_); }

absl::StatusOr<int> Db::SchemaVersion() {
  absl::StatusOr<Stmt> stmt =
      Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(stmt->Int(0));
}

absl::Status Db::Migrate(const std::vector<Migration>& migrations) {
  if (absl::Status s = Exec(
          "CREATE TABLE IF NOT EXISTS schema_version ("
          "version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<int> current = SchemaVersion();
  if (!current.ok()) return current.status();
  if (!migrations.empty() && *current > migrations.back().version) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, ": schema version ", *current,
        " is newer than this build knows (", migrations.back().version,
        "); refusing to open it with an older binary"));
  }
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    if (m.version != static_cast<int>(i) + 1) {
      return absl::InternalError(absl::StrCat(
          "migration #", i, " has version ", m.version, ", expected ", i + 1));
    }
    if (m.version <= *current) continue;
    absl::Status s = InTransaction(*this, [&]() -> absl::Status {
      // Another process may have opened the same new file at the same
      // time and applied it first: decide under the write lock.
      absl::StatusOr<int> now = SchemaVersion();
      if (!now.ok()) return now.status();
      if (*now >= m.version) return absl::OkStatus();
      if (absl::Status e = Exec(m.sql); !e.ok()) return e;
      absl::StatusOr<Stmt> mark = Prepare(
          "INSERT INTO schema_version(version, applied_ms) VALUES "
          "(?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
      if (!mark.ok()) return mark.status();
      mark->Bind(1, static_cast<int64_t>(m.version));
      return mark->Run();
    });
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migration ", m.version,
                                                 ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace riskflow::cases
