#include "pipeline/cases/schema.h"

#include "pipeline/cases/audit_log.h"

namespace riskflow::cases {

namespace {

// v1: cases, the decisions attached to them (the evidence, as received),
// the actions timeline, the consumer's sink cursors and the audit chain.
constexpr char kV1[] =
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account_id TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  is_open INTEGER NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  opened_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  decision_count INTEGER NOT NULL DEFAULT 0);"
    // One open case per account, enforced by the database itself.
    "CREATE UNIQUE INDEX cases_one_open ON cases(account_id) WHERE is_open = 1;"
    "CREATE INDEX cases_by_state ON cases(state, opened_ms);"
    "CREATE TABLE case_decisions ("
    "  decision_id TEXT PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  ord INTEGER NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  sink TEXT NOT NULL,"
    "  route TEXT NOT NULL,"
    "  log_sequence INTEGER NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  decision BLOB NOT NULL);"
    "CREATE INDEX case_decisions_by_case ON case_decisions(case_id, ord);"
    "CREATE INDEX case_decisions_by_event ON case_decisions(event_id);"
    "CREATE TABLE case_actions ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  time_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  from_state TEXT NOT NULL,"
    "  to_state TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  attachments TEXT NOT NULL);"
    "CREATE INDEX case_actions_by_case ON case_actions(case_id, id);"
    "CREATE TABLE sink_cursors ("
    "  sink TEXT PRIMARY KEY,"
    "  sequence INTEGER NOT NULL);";

// v2: maker-checker and SLA columns, the amount behind the two-person rule,
// and the customer notifications outbox with its consumers' cursors.
constexpr char kV2[] =
    "ALTER TABLE cases ADD COLUMN state_since_ms INTEGER NOT NULL DEFAULT 0;"
    "UPDATE cases SET state_since_ms = updated_ms;"
    "ALTER TABLE cases ADD COLUMN max_freeze_amount_minor INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN freeze_amount_unknown INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN has_freeze INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN ever_confirmed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN release_requested_by TEXT NOT NULL "
    "  DEFAULT '';"
    "CREATE TABLE notifications ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  dedupe_key TEXT NOT NULL UNIQUE,"
    "  case_id INTEGER NOT NULL,"
    "  account_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  time_ms INTEGER NOT NULL,"
    "  payload TEXT NOT NULL);"
    "CREATE TABLE notification_cursors ("
    "  consumer TEXT PRIMARY KEY,"
    "  seq INTEGER NOT NULL);";

// v3: the account's recent events from riskflowd's log, frozen into the
// evidence when a case opens and when a flag joins (docs/cases.md). A
// pending fetch is queued in the ingest transaction (one per case: a
// later flag waits for the same fetch), so a crash or an unreachable
// riskflowd delays it and never loses it.
constexpr char kV3[] =
    "CREATE TABLE recent_events_todo ("
    "  case_id INTEGER PRIMARY KEY,"
    "  account_id TEXT NOT NULL,"
    "  trigger TEXT NOT NULL,"
    "  event_time_ms INTEGER NOT NULL,"
    "  queued_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE case_recent_events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  taken_ms INTEGER NOT NULL,"
    "  trigger TEXT NOT NULL,"
    "  ok INTEGER NOT NULL,"
    "  error TEXT NOT NULL,"
    "  through_sequence INTEGER NOT NULL,"
    "  json TEXT NOT NULL,"
    "  response BLOB NOT NULL);"
    "CREATE INDEX case_recent_events_by_case ON case_recent_events(case_id, "
    "id);";

}  // namespace

const std::vector<Migration>& CaseMigrations() {
  static const std::vector<Migration>* migrations = [] {
    static const std::string v1 = std::string(kV1) + kAuditSchemaSql;
    return new std::vector<Migration>{{1, v1.c_str()}, {2, kV2}, {3, kV3}};
  }();
  return *migrations;
}

}  // namespace riskflow::cases
