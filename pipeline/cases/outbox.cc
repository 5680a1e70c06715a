// CaseStore's outputs for other systems: the customer notifications outbox
// (read with a cursor, like the engine's sinks) and the label file that
// `riskflow report --labels` scores replays against.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/json_text.h"

namespace riskflow::cases {

absl::StatusOr<std::vector<Notification>> CaseStore::ReadNotifications(
    int64_t after, size_t limit) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT seq, case_id, account_id, kind, time_ms, payload FROM "
      "notifications WHERE seq > ? ORDER BY seq LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, after).Bind(
      2, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
  std::vector<Notification> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Notification n;
    n.seq = stmt->Int(0);
    n.case_id = stmt->Int(1);
    n.account_id = stmt->Text(2);
    n.kind = stmt->Text(3);
    n.time_ms = stmt->Int(4);
    n.payload = stmt->Text(5);
    out.push_back(std::move(n));
  }
  return out;
}

absl::Status CaseStore::CommitNotificationCursor(const std::string& consumer,
                                                 int64_t seq) {
  if (consumer.empty()) {
    return absl::InvalidArgumentError("consumer: required");
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "INSERT INTO notification_cursors(consumer, seq) VALUES (?, ?) ON "
      "CONFLICT(consumer) DO UPDATE SET seq = excluded.seq");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, consumer).Bind(2, seq);
  return stmt->Run();
}

absl::StatusOr<int64_t> CaseStore::NotificationCursor(
    const std::string& consumer) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt =
      db_->Prepare("SELECT seq FROM notification_cursors WHERE consumer = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, consumer);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? stmt->Int(0) : 0;
}

absl::StatusOr<int64_t> CaseStore::ExportLabels(const std::string& path) {
  absl::MutexLock lock(&mu_);
  // CONFIRMED_FRAUD and UPHELD are fraud; RELEASED is benign. Open cases
  // have no outcome yet and are left out.
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT c.id, c.state, d.decision FROM cases c JOIN case_decisions d "
      "ON d.case_id = c.id WHERE c.state IN ('CONFIRMED_FRAUD', 'UPHELD', "
      "'RELEASED') ORDER BY c.id, d.ord");
  if (!stmt.ok()) return stmt.status();
  std::ofstream out(path, std::ios::trunc);
  if (!out) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot open for writing"));
  }
  int64_t lines = 0;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    riskflow::v1::Decision d;
    if (!d.ParseFromString(stmt->Text(2))) {
      return absl::DataLossError(absl::StrCat(
          "case ", stmt->Int(0), ": a stored decision does not parse"));
    }
    const bool fraud = stmt->Text(1) != "RELEASED";
    out << "{\"event_id\":" << JsonString(d.event_id())
        << ",\"channel_id\":" << JsonString(d.channel_id())
        << ",\"account_id\":" << JsonString(d.account_id())
        << ",\"event_time_ms\":" << d.event_time_ms()
        << ",\"attributes\":{\"label\":\""
        << (fraud ? "confirmed_fraud" : "benign") << "\",\"case_id\":\""
        << stmt->Int(0) << "\",\"case_state\":\"" << stmt->Text(1)
        << "\"}}\n";
    ++lines;
  }
  out.flush();
  if (!out) {
    return absl::DataLossError(absl::StrCat(path, ": write failed"));
  }
  return lines;
}

}  // namespace riskflow::cases
