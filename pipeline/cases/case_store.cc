// CaseStore: opening, the consumer's ingest, and the read-side queries.
// The workflow lives in case_workflow.cc, evidence in evidence.cc,
// notifications and labels in outbox.cc.
#include "pipeline/cases/case_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "pipeline/cases/schema.h"

namespace riskflow::cases {

namespace {

constexpr char kCaseColumns[] =
    "id, account_id, state, version, severity, opened_ms, updated_ms, "
    "state_since_ms, decision_count, has_freeze, max_freeze_amount_minor, "
    "freeze_amount_unknown, ever_confirmed, release_requested_by";

Case ReadCase(const Stmt& row) {
  Case c;
  c.id = row.Int(0);
  c.account_id = row.Text(1);
  absl::StatusOr<CaseState> state = ParseState(row.Text(2));
  c.state = state.ok() ? *state : CaseState::kOpen;
  c.version = row.Int(3);
  c.severity = row.Text(4);
  c.opened_ms = row.Int(5);
  c.updated_ms = row.Int(6);
  c.state_since_ms = row.Int(7);
  c.decision_count = row.Int(8);
  c.has_freeze = row.Int(9) != 0;
  c.max_freeze_amount_minor = row.Int(10);
  c.freeze_amount_unknown = row.Int(11) != 0;
  c.ever_confirmed = row.Int(12) != 0;
  c.release_requested_by = row.Text(13);
  return c;
}

bool HasRoute(const riskflow::v1::Decision& d, riskflow::v1::Route route) {
  if (d.route() == route) return true;
  for (int r : d.routes()) {
    if (r == route) return true;
  }
  return false;
}

// The largest amount a FREEZE decision's annotations name, if any.
std::optional<int64_t> FreezeAmount(const riskflow::v1::Decision& d) {
  std::optional<int64_t> amount;
  for (const riskflow::v1::Annotation& a : d.annotations()) {
    for (const riskflow::v1::Evidence& e : a.evidence()) {
      if (e.key() != "amount_minor" && e.key() != "sum_minor") continue;
      int64_t v = 0;
      if (absl::SimpleAtoi(e.value(), &v)) {
        amount = std::max(amount.value_or(v), v);
      }
    }
  }
  return amount;
}

}  // namespace

CaseStore::CaseStore(std::unique_ptr<Db> db, CaseStoreOptions options)
    : db_(std::move(db)), options_(std::move(options)), audit_(db_.get()) {
  if (!options_.now_ms) {
    options_.now_ms = [] { return absl::ToUnixMillis(absl::Now()); };
  }
}

absl::StatusOr<std::unique_ptr<CaseStore>> CaseStore::Open(
    const std::string& path, CaseStoreOptions options) {
  absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(path, CaseMigrations());
  if (!db.ok()) return db.status();
  return std::unique_ptr<CaseStore>(
      new CaseStore(std::move(db).value(), std::move(options)));
}

int64_t CaseStore::Now() const { return options_.now_ms(); }

void CaseStore::Finish(Case* c) const {
  auto sla = options_.sla.find(c->state);
  if (IsOpenState(c->state) && sla != options_.sla.end()) {
    c->sla_deadline_ms = c->state_since_ms + absl::ToInt64Milliseconds(sla->second);
    c->overdue = Now() > c->sla_deadline_ms;
  } else {
    c->sla_deadline_ms = 0;
    c->overdue = false;
  }
}

absl::StatusOr<Case> CaseStore::LoadLocked(int64_t case_id) {
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      absl::StrCat("SELECT ", kCaseColumns, " FROM cases WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, case_id);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(absl::StrCat("case ", case_id, ": no such case"));
  }
  Case c = ReadCase(*stmt);
  Finish(&c);
  return c;
}

absl::StatusOr<Case> CaseStore::Get(int64_t case_id) {
  absl::MutexLock lock(&mu_);
  return LoadLocked(case_id);
}

absl::StatusOr<std::vector<Case>> CaseStore::List(const CaseFilter& filter) {
  absl::MutexLock lock(&mu_);
  std::string sql = absl::StrCat("SELECT ", kCaseColumns, " FROM cases WHERE 1");
  if (filter.state.has_value()) absl::StrAppend(&sql, " AND state = ?1");
  if (!filter.account_id.empty()) absl::StrAppend(&sql, " AND account_id = ?2");
  if (filter.open_only || filter.overdue_only) {
    absl::StrAppend(&sql, " AND is_open = 1");
  }
  // Oldest first: the queue order (severity is a filter of the console).
  absl::StrAppend(&sql, " ORDER BY opened_ms, id");
  absl::StatusOr<Stmt> stmt = db_->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  if (filter.state.has_value()) stmt->Bind(1, StateName(*filter.state));
  if (!filter.account_id.empty()) stmt->Bind(2, filter.account_id);
  std::vector<Case> cases;
  while (filter.limit == 0 || cases.size() < filter.limit) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Case c = ReadCase(*stmt);
    Finish(&c);
    if (filter.overdue_only && !c.overdue) continue;
    cases.push_back(std::move(c));
  }
  return cases;
}

absl::StatusOr<Case> CaseStore::FindByEvent(const std::string& id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT case_id FROM case_decisions WHERE decision_id = ?1 OR "
      "event_id = ?1 ORDER BY ord LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(
        absl::StrCat("event ", id, ": no case holds its decision"));
  }
  return LoadLocked(stmt->Int(0));
}

absl::StatusOr<std::vector<CaseAction>> CaseStore::History(int64_t case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::StatusOr<Case> c = LoadLocked(case_id); !c.ok()) return c.status();
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT id, time_ms, actor, role, action, from_state, to_state, note, "
      "attachments FROM case_actions WHERE case_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, case_id);
  std::vector<CaseAction> actions;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CaseAction a;
    a.id = stmt->Int(0);
    a.time_ms = stmt->Int(1);
    a.actor = stmt->Text(2);
    a.role = stmt->Text(3);
    a.action = stmt->Text(4);
    a.from_state = stmt->Text(5);
    a.to_state = stmt->Text(6);
    a.note = stmt->Text(7);
    const std::string attachments = stmt->Text(8);
    if (!attachments.empty()) {
      a.attachments = absl::StrSplit(attachments, '\n');
    }
    actions.push_back(std::move(a));
  }
  return actions;
}

absl::StatusOr<std::vector<AttachedDecision>> CaseStore::Decisions(
    int64_t case_id) {
  absl::MutexLock lock(&mu_);
  if (absl::StatusOr<Case> c = LoadLocked(case_id); !c.ok()) return c.status();
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT sink, received_ms, decision FROM case_decisions "
      "WHERE case_id = ? ORDER BY ord");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, case_id);
  std::vector<AttachedDecision> decisions;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AttachedDecision d;
    d.sink = stmt->Text(0);
    d.received_ms = stmt->Int(1);
    if (!d.decision.ParseFromString(stmt->Text(2))) {
      return absl::DataLossError(absl::StrCat(
          "case ", case_id, ": a stored decision does not parse"));
    }
    decisions.push_back(std::move(d));
  }
  return decisions;
}

absl::StatusOr<std::pair<AttachedDecision, int64_t>>
CaseStore::DecisionOfEvent(const std::string& id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT sink, received_ms, decision, case_id FROM case_decisions "
      "WHERE decision_id = ?1 OR event_id = ?1 ORDER BY ord LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(absl::StrCat(
        "event ", id,
        ": no case holds its decision (routed PASS or NOTIFY only, not yet "
        "consumed, or never seen)"));
  }
  AttachedDecision d;
  d.sink = stmt->Text(0);
  d.received_ms = stmt->Int(1);
  if (!d.decision.ParseFromString(stmt->Text(2))) {
    return absl::DataLossError(
        absl::StrCat("event ", id, ": its stored decision does not parse"));
  }
  return std::make_pair(std::move(d), stmt->Int(3));
}

absl::StatusOr<std::vector<AttachedDecision>> CaseStore::LatestDecisions(
    const std::string& account_id, size_t limit) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT d.sink, d.received_ms, d.decision FROM case_decisions d JOIN "
      "cases c ON c.id = d.case_id WHERE c.account_id = ? ORDER BY "
      "d.case_id DESC, d.ord DESC LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<AttachedDecision> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AttachedDecision d;
    d.sink = stmt->Text(0);
    d.received_ms = stmt->Int(1);
    if (!d.decision.ParseFromString(stmt->Text(2))) {
      return absl::DataLossError(absl::StrCat(
          "account ", account_id, ": a stored decision does not parse"));
    }
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<uint64_t> CaseStore::SinkCursor(riskflow::v1::Route sink) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Stmt> stmt =
      db_->Prepare("SELECT sequence FROM sink_cursors WHERE sink = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, riskflow::v1::Route_Name(sink));
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<uint64_t>(stmt->Int(0)) : 0;
}

absl::StatusOr<IngestResult> CaseStore::IngestDecisions(
    riskflow::v1::Route sink,
    const std::vector<riskflow::v1::Decision>& decisions, uint64_t cursor) {
  absl::MutexLock lock(&mu_);
  IngestResult result;
  const int64_t now = Now();
  const std::string sink_name = riskflow::v1::Route_Name(sink);
  absl::Status s = InTransaction(*db_, [&]() -> absl::Status {
    absl::StatusOr<Stmt> seen =
        db_->Cached("SELECT 1 FROM case_decisions WHERE decision_id = ?");
    absl::StatusOr<Stmt> find = db_->Cached(absl::StrCat(
        "SELECT ", kCaseColumns, " FROM cases WHERE account_id = ? AND "
        "is_open = 1"));
    absl::StatusOr<Stmt> create = db_->Cached(
        "INSERT INTO cases(account_id, state, is_open, version, severity, "
        "opened_ms, updated_ms, state_since_ms) VALUES (?, 'OPEN', 1, 1, ?, "
        "?, ?, ?)");
    absl::StatusOr<Stmt> attach = db_->Cached(
        "INSERT INTO case_decisions(decision_id, case_id, ord, event_id, sink, "
        "route, log_sequence, received_ms, decision) VALUES (?, ?, ?, ?, ?, ?, "
        "?, ?, ?)");
    // Attaching evidence does not bump the version: a reviewer's edit is
    // not stale because a new flag arrived (the evidence hash shows it).
    absl::StatusOr<Stmt> update = db_->Cached(
        "UPDATE cases SET decision_count = ?, severity = ?, has_freeze = ?, "
        "max_freeze_amount_minor = ?, freeze_amount_unknown = ?, "
        "updated_ms = ? WHERE id = ?");
    for (absl::StatusOr<Stmt>* st : {&seen, &find, &create, &attach, &update}) {
      if (!st->ok()) return st->status();
    }
    for (const riskflow::v1::Decision& d : decisions) {
      seen->Reset();
      seen->Bind(1, d.decision_id());
      absl::StatusOr<bool> dup = seen->Step();
      if (!dup.ok()) return dup.status();
      if (*dup) {
        ++result.duplicates;
        continue;
      }
      const bool freeze = HasRoute(d, riskflow::v1::FREEZE);
      const std::string severity = freeze ? "FREEZE" : "MANUAL_REVIEW";
      find->Reset();
      find->Bind(1, d.account_id());
      absl::StatusOr<bool> found = find->Step();
      if (!found.ok()) return found.status();
      Case c;
      bool opened = false;
      if (*found) {
        c = ReadCase(find.value());
      } else {
        create->Reset();
        create->Bind(1, d.account_id())
            .Bind(2, severity)
            .Bind(3, now)
            .Bind(4, now)
            .Bind(5, now);
        if (absl::Status e = create->Run(); !e.ok()) return e;
        c.id = db_->LastInsertRowId();
        c.account_id = d.account_id();
        c.state = CaseState::kOpen;
        c.version = 1;
        c.severity = severity;
        c.opened_ms = now;
        opened = true;
        ++result.opened;
      }
      std::string bytes;
      d.SerializeToString(&bytes);
      attach->Reset();
      attach->Bind(1, d.decision_id())
          .Bind(2, c.id)
          .Bind(3, c.decision_count + 1)
          .Bind(4, d.event_id())
          .Bind(5, sink_name)
          .Bind(6, riskflow::v1::Route_Name(d.route()))
          .Bind(7, static_cast<int64_t>(d.sequence()))
          .Bind(8, now)
          .BindBlob(9, bytes);
      if (absl::Status e = attach->Run(); !e.ok()) return e;
      ++result.attached;
      const bool first_freeze = freeze && !c.has_freeze;
      if (freeze) {
        c.has_freeze = true;
        std::optional<int64_t> amount = FreezeAmount(d);
        if (amount.has_value()) {
          c.max_freeze_amount_minor =
              std::max(c.max_freeze_amount_minor, *amount);
        } else {
          c.freeze_amount_unknown = true;
        }
        c.severity = "FREEZE";
      }
      update->Reset();
      update->Bind(1, c.decision_count + 1)
          .Bind(2, c.severity)
          .Bind(3, int64_t{c.has_freeze})
          .Bind(4, c.max_freeze_amount_minor)
          .Bind(5, int64_t{c.freeze_amount_unknown})
          .Bind(6, now)
          .Bind(7, c.id);
      if (absl::Status e = update->Run(); !e.ok()) return e;
      // The account's recent events for the evidence: fetched later by the
      // service (one pending fetch per case covers every flag until then).
      absl::StatusOr<Stmt> todo = db_->Cached(
          "INSERT INTO recent_events_todo(case_id, account_id, trigger, "
          "event_time_ms, queued_ms) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT(case_id) DO NOTHING");
      if (!todo.ok()) return todo.status();
      todo->Bind(1, c.id)
          .Bind(2, d.account_id())
          .Bind(3, absl::StrCat(opened ? "case_opened" : "flag_joined",
                                " decision=", d.decision_id()))
          .Bind(4, d.event_time_ms())
          .Bind(5, now);
      if (absl::Status e = todo->Run(); !e.ok()) return e;
      const std::string subject = absl::StrCat("case/", c.id);
      if (opened) {
        if (absl::StatusOr<int64_t> a = audit_.Append(
                now, "riskflow-cases", "case.open", subject,
                absl::StrCat("account=", d.account_id(),
                             " decision=", d.decision_id(), " sink=",
                             sink_name));
            !a.ok()) {
          return a.status();
        }
        if (absl::Status e = NotifyLocked(c, "case_opened", ""); !e.ok()) {
          return e;
        }
      } else {
        if (absl::StatusOr<int64_t> a = audit_.Append(
                now, "riskflow-cases", "case.attach", subject,
                absl::StrCat("decision=", d.decision_id(), " sink=",
                             sink_name));
            !a.ok()) {
          return a.status();
        }
      }
      if (first_freeze) {
        if (absl::Status e = NotifyLocked(c, "account_held", ""); !e.ok()) {
          return e;
        }
      }
    }
    absl::StatusOr<Stmt> cur = db_->Cached(
        "INSERT INTO sink_cursors(sink, sequence) VALUES (?, ?) ON "
        "CONFLICT(sink) DO UPDATE SET sequence = MAX(sequence, "
        "excluded.sequence)");
    if (!cur.ok()) return cur.status();
    cur->Bind(1, sink_name).Bind(2, static_cast<int64_t>(cursor));
    return cur->Run();
  });
  if (!s.ok()) return s;
  return result;
}

absl::StatusOr<AuditVerifyResult> CaseStore::VerifyAudit() {
  absl::MutexLock lock(&mu_);
  return audit_.Verify();
}

}  // namespace riskflow::cases
