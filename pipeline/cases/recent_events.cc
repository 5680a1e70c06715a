// CaseStore: the account's recent events from riskflowd's log, frozen into
// a case's evidence when it opens and when a flag joins (docs/cases.md,
// "Recent events"). Each snapshot is stored as the JSON that goes into the
// evidence bundle (so the bundle's bytes, and its SHA-256, never depend on
// how a later build prints protobuf) and as the response's bytes for the
// printable page.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/json_text.h"

namespace riskflow::cases {

namespace {

std::string SnapshotJson(
    int64_t taken_ms, const std::string& trigger,
    const absl::StatusOr<riskflow::v1::GetAccountEventsResponse>& fetched) {
  std::string out = absl::StrCat("{\"taken_ms\":", taken_ms,
                                 ",\"trigger\":", JsonString(trigger));
  if (!fetched.ok()) {
    absl::StrAppend(
        &out, ",\"fetched\":false,\"error\":",
        JsonString(absl::StrCat(
            "the account's recent events could not be fetched from "
            "riskflowd: ",
            absl::StatusCodeToString(fetched.status().code()), ": ",
            fetched.status().message())),
        "}");
    return out;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  std::vector<std::string> events;
  for (const riskflow::v1::AccountEvent& e : fetched->events()) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(e, &json, options);
    events.push_back(std::move(json));
  }
  absl::StrAppend(&out, ",\"fetched\":true,\"through_sequence\":",
                  fetched->through_sequence(),
                  ",\"scanned_records\":", fetched->scanned_records(),
                  ",\"stopped_by\":", JsonString(fetched->stopped_by()),
                  ",\"complete\":", fetched->complete() ? "true" : "false",
                  ",\"events\":[", absl::StrJoin(events, ","), "]}");
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CaseStore::RecentEventsTodo>>
CaseStore::PendingRecentEvents(size_t limit) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT case_id, account_id, trigger, event_time_ms, attempts FROM "
      "recent_events_todo ORDER BY queued_ms, case_id LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(limit));
  std::vector<RecentEventsTodo> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    RecentEventsTodo t;
    t.case_id = stmt->Int(0);
    t.account_id = stmt->Text(1);
    t.trigger = stmt->Text(2);
    t.event_time_ms = stmt->Int(3);
    t.attempts = stmt->Int(4);
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<uint64_t> CaseStore::RecentEventsThrough(int64_t case_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT COALESCE(MAX(through_sequence), 0) FROM case_recent_events "
      "WHERE case_id = ? AND ok = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, case_id);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<uint64_t>(stmt->Int(0)) : 0;
}

absl::Status CaseStore::StoreRecentEvents(
    const RecentEventsTodo& todo,
    const absl::StatusOr<riskflow::v1::GetAccountEventsResponse>& fetched) {
  absl::MutexLock lock(&mu_);
  const int64_t now = Now();
  const std::string json = SnapshotJson(now, todo.trigger, fetched);
  std::string bytes;
  if (fetched.ok()) fetched->SerializeToString(&bytes);
  return InTransaction(*db_, [&]() -> absl::Status {
    absl::StatusOr<Stmt> insert = db_->Prepare(
        "INSERT INTO case_recent_events(case_id, taken_ms, trigger, ok, "
        "error, through_sequence, json, response) VALUES (?, ?, ?, ?, ?, ?, "
        "?, ?)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, todo.case_id)
        .Bind(2, now)
        .Bind(3, todo.trigger)
        .Bind(4, int64_t{fetched.ok()})
        .Bind(5, fetched.ok() ? std::string()
                              : std::string(fetched.status().message()))
        .Bind(6, fetched.ok() ? static_cast<int64_t>(
                                    fetched->through_sequence())
                              : int64_t{0})
        .Bind(7, json)
        .BindBlob(8, bytes);
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    absl::StatusOr<Stmt> done =
        db_->Prepare("DELETE FROM recent_events_todo WHERE case_id = ?");
    if (!done.ok()) return done.status();
    done->Bind(1, todo.case_id);
    if (absl::Status s = done->Run(); !s.ok()) return s;
    return audit_
        .Append(now, "riskflow-cases", "case.recent_events",
                absl::StrCat("case/", todo.case_id),
                fetched.ok()
                    ? absl::StrCat("events=", fetched->events_size(),
                                   " through_sequence=",
                                   fetched->through_sequence(),
                                   " stopped_by=", fetched->stopped_by(),
                                   " ", todo.trigger)
                    : absl::StrCat("not fetched: ", fetched.status().message(),
                                   " ", todo.trigger))
        .status();
  });
}

absl::Status CaseStore::RecentEventsAttemptFailed(int64_t case_id,
                                                  const std::string& error) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "UPDATE recent_events_todo SET attempts = attempts + 1, last_error = ? "
      "WHERE case_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, error).Bind(2, case_id);
  return stmt->Run();
}

absl::StatusOr<std::vector<CaseStore::RecentEventsSnapshot>>
CaseStore::RecentEvents(int64_t case_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT taken_ms, trigger, ok, error, response FROM case_recent_events "
      "WHERE case_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, case_id);
  std::vector<RecentEventsSnapshot> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    RecentEventsSnapshot s;
    s.taken_ms = stmt->Int(0);
    s.trigger = stmt->Text(1);
    s.ok = stmt->Int(2) != 0;
    s.error = stmt->Text(3);
    if (s.ok && !s.response.ParseFromString(stmt->Text(4))) {
      return absl::DataLossError(absl::StrCat(
          "case ", case_id, ": a stored recent-events snapshot does not parse"));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace riskflow::cases
