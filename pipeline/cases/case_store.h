// The case store: cases opened from FREEZE / MANUAL_REVIEW decisions, the
// review workflow with maker-checker releases and optimistic concurrency,
// the evidence each case keeps, the customer notifications outbox and the
// hash-chained audit log, all in one SQLite file.
//
// Every call is a plain C++ call returning absl::Status(Or) so the CLI, the
// consumer and an HTTP console can share it. Error codes: NOT_FOUND (unknown
// case), ABORTED (stale version: someone else changed the case),
// FAILED_PRECONDITION (illegal transition, release that needs a second
// reviewer), PERMISSION_DENIED (same person twice, role too low),
// INVALID_ARGUMENT (oversized note, unknown role / state). Thread-safe: one
// connection behind a mutex.
#ifndef RISKFLOW_PIPELINE_CASES_CASE_STORE_H_
#define RISKFLOW_PIPELINE_CASES_CASE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/cases/audit_log.h"
#include "pipeline/cases/sqlite_db.h"
#include "pipeline/cases/workflow.h"
#include "proto/riskflow/v1/admin.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::cases {

struct CaseStoreOptions {
  // Two-person rule: releasing a case whose FREEZE decisions name an amount
  // (annotation evidence amount_minor / sum_minor) above this needs a
  // second reviewer. Decisions do not carry the event's amount, so a FREEZE
  // whose evidence names none counts as above it unless
  // two_person_when_amount_unknown is false.
  int64_t two_person_amount_minor = 1000000;
  bool two_person_when_amount_unknown = true;
  // Notes larger than this are refused (INVALID_ARGUMENT).
  size_t max_note_bytes = 4096;
  size_t max_attachments = 16;
  // SLA per open state; a case in a state longer than this is overdue.
  // States without an entry have no SLA.
  std::map<CaseState, absl::Duration> sla = {
      {CaseState::kOpen, absl::Hours(1)},
      {CaseState::kInvestigating, absl::Hours(24)},
      {CaseState::kContacted, absl::Hours(72)},
      {CaseState::kAppealed, absl::Hours(24)},
      {CaseState::kReReview, absl::Hours(72)},
  };
  // Wall clock in ms since the epoch (tests inject theirs).
  std::function<int64_t()> now_ms;
};

struct Case {
  int64_t id = 0;
  std::string account_id;
  CaseState state = CaseState::kOpen;
  int64_t version = 0;
  std::string severity;  // FREEZE or MANUAL_REVIEW: the most severe route
  int64_t opened_ms = 0;
  int64_t updated_ms = 0;
  int64_t state_since_ms = 0;
  int64_t decision_count = 0;
  bool has_freeze = false;
  int64_t max_freeze_amount_minor = 0;
  bool freeze_amount_unknown = false;
  bool ever_confirmed = false;
  // Set between a RequestRelease and its approval (maker-checker).
  std::string release_requested_by;
  // When the current state's SLA runs out (0: no SLA in this state).
  int64_t sla_deadline_ms = 0;
  bool overdue = false;
};

// Who acts, on which version of the case, and what they say about it.
struct Action {
  int64_t case_id = 0;
  // The version the caller read; a different current version is ABORTED.
  int64_t expected_version = 0;
  std::string actor;
  std::string role;
  std::string note;
  // References (URLs, document ids), never the documents themselves.
  std::vector<std::string> attachments;
};

// One step of a case's timeline.
struct CaseAction {
  int64_t id = 0;
  int64_t time_ms = 0;
  std::string actor;
  std::string role;
  std::string action;
  std::string from_state;
  std::string to_state;
  std::string note;
  std::vector<std::string> attachments;
};

struct AttachedDecision {
  std::string sink;  // the sink it was received from
  int64_t received_ms = 0;
  riskflow::v1::Decision decision;
};

struct Notification {
  int64_t seq = 0;
  int64_t case_id = 0;
  std::string account_id;
  // case_opened, account_held, released, appeal_upheld, appeal_released
  std::string kind;
  int64_t time_ms = 0;
  std::string payload;  // JSON
};

struct IngestResult {
  int64_t opened = 0;      // new cases
  int64_t attached = 0;    // decisions attached (new cases' first included)
  int64_t duplicates = 0;  // decisions already in a case (redelivery)
};

struct CaseFilter {
  std::optional<CaseState> state;
  std::string account_id;  // "" = any
  bool open_only = false;
  bool overdue_only = false;
  size_t limit = 100;
};

class CaseStore {
 public:
  static absl::StatusOr<std::unique_ptr<CaseStore>> Open(
      const std::string& path, CaseStoreOptions options = {});

  // Consumer side. Attaches each decision to its account's open case
  // (opening one when there is none) and stores `cursor` as the sink's
  // consumed position, all in one transaction: after a crash the cursor
  // and the cases agree. A decision already attached (same decision_id,
  // from either sink) is counted as a duplicate and changes nothing.
  absl::StatusOr<IngestResult> IngestDecisions(
      riskflow::v1::Route sink,
      const std::vector<riskflow::v1::Decision>& decisions, uint64_t cursor);
  // The sink position the cases reflect (0 before the first ingest).
  absl::StatusOr<uint64_t> SinkCursor(riskflow::v1::Route sink);

  absl::StatusOr<Case> Get(int64_t case_id);
  absl::StatusOr<std::vector<Case>> List(const CaseFilter& filter);
  // The case holding a decision, by "<channel>/<event>" or bare event id.
  absl::StatusOr<Case> FindByEvent(const std::string& id);
  // The stored decision of an event ("<channel>/<event>" or event id) and
  // the id of its case.
  absl::StatusOr<std::pair<AttachedDecision, int64_t>> DecisionOfEvent(
      const std::string& id);
  // An account's latest flagged decisions across its cases, newest first.
  absl::StatusOr<std::vector<AttachedDecision>> LatestDecisions(
      const std::string& account_id, size_t limit);
  absl::StatusOr<std::vector<CaseAction>> History(int64_t case_id);
  absl::StatusOr<std::vector<AttachedDecision>> Decisions(int64_t case_id);

  // Workflow. Each returns the case as it is after the change.
  absl::StatusOr<Case> Transition(const Action& action, CaseState to);
  absl::StatusOr<Case> AddNote(const Action& action);
  // Maker-checker: a reviewer asks to release; a senior reviewer who is
  // not the requester approves. Any other transition clears the request.
  absl::StatusOr<Case> RequestRelease(const Action& action);
  absl::StatusOr<Case> ApproveRelease(const Action& action);
  // Whether releasing this case needs a second reviewer, and why.
  std::optional<std::string> TwoPersonReason(const Case& c) const;

  // The evidence bundle (canonical JSON) and its SHA-256; logged in the
  // audit chain as exported by `actor`.
  struct Export {
    std::string json;
    std::string sha256;
  };
  absl::StatusOr<Export> ExportEvidence(int64_t case_id,
                                        const std::string& actor);
  // The bundle's hash without logging an export (for showing a case).
  absl::StatusOr<std::string> EvidenceSha256(int64_t case_id);

  // Customer notifications after `after`, in order; idempotent per
  // (case, kind). Consumers may keep their cursor here.
  absl::StatusOr<std::vector<Notification>> ReadNotifications(int64_t after,
                                                              size_t limit);
  absl::Status CommitNotificationCursor(const std::string& consumer,
                                        int64_t seq);
  absl::StatusOr<int64_t> NotificationCursor(const std::string& consumer);

  // Labels for `riskflow report --labels`: one JSONL event line per
  // decision of every decided case (confirmed_fraud / benign). Returns the
  // number of lines written.
  absl::StatusOr<int64_t> ExportLabels(const std::string& path);

  // --- The account's recent events (recent_events.cc, docs/cases.md) ---
  // A case waiting for its account's recent events from riskflowd.
  struct RecentEventsTodo {
    int64_t case_id = 0;
    std::string account_id;
    // "case_opened decision=..." or "flag_joined decision=..."
    std::string trigger;
    // The flagged event's time: the window is counted back from it.
    int64_t event_time_ms = 0;
    int64_t attempts = 0;
  };
  absl::StatusOr<std::vector<RecentEventsTodo>> PendingRecentEvents(
      size_t limit);
  // The highest log sequence an earlier snapshot of the case covered (0:
  // none): the next fetch asks only for what is newer.
  absl::StatusOr<uint64_t> RecentEventsThrough(int64_t case_id);
  // Freezes a fetched snapshot (or, with ok = false, the error that kept
  // it from being fetched) into the case's evidence and clears the todo.
  absl::Status StoreRecentEvents(
      const RecentEventsTodo& todo,
      const absl::StatusOr<riskflow::v1::GetAccountEventsResponse>& fetched);
  // A failed attempt that will be retried.
  absl::Status RecentEventsAttemptFailed(int64_t case_id,
                                         const std::string& error);
  struct RecentEventsSnapshot {
    int64_t taken_ms = 0;
    std::string trigger;
    bool ok = false;
    std::string error;
    riskflow::v1::GetAccountEventsResponse response;
  };
  absl::StatusOr<std::vector<RecentEventsSnapshot>> RecentEvents(
      int64_t case_id);

  AuditLog& audit() { return audit_; }
  absl::StatusOr<AuditVerifyResult> VerifyAudit();

 private:
  CaseStore(std::unique_ptr<Db> db, CaseStoreOptions options);

  int64_t Now() const;
  absl::StatusOr<Case> LoadLocked(int64_t case_id);
  absl::Status CheckAction(const Action& action, bool note_required) const;
  absl::StatusOr<Case> CheckedLoadLocked(const Action& action);
  // Applies a state change (or none when to == from) with its action row,
  // audit entry and notifications, bumping the version.
  absl::Status ApplyLocked(const Case& c, const Action& action,
                           const std::string& action_name, CaseState to,
                           const std::string& release_requested_by);
  absl::Status NotifyLocked(const Case& c, const std::string& kind,
                            const std::string& dedupe_suffix);
  absl::StatusOr<Export> BuildEvidenceLocked(int64_t case_id);
  void Finish(Case* c) const;

  std::unique_ptr<Db> db_;
  CaseStoreOptions options_;
  AuditLog audit_;
  absl::Mutex mu_;
};

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_CASE_STORE_H_
