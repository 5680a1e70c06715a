// CaseStore's workflow: transitions, notes, maker-checker releases. Every
// change runs in one transaction that re-reads the case, checks the
// caller's version, writes the action row, bumps the version and appends
// to the audit chain, so a conflict or a refusal leaves nothing behind.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pipeline/cases/case_store.h"

namespace riskflow::cases {

absl::Status CaseStore::CheckAction(const Action& action,
                                    bool note_required) const {
  if (action.actor.empty()) {
    return absl::InvalidArgumentError("actor: required (who is acting)");
  }
  if (absl::Status s = CheckRole(action.role); !s.ok()) return s;
  if (action.note.size() > options_.max_note_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: ", action.note.size(), " bytes is over the limit of ",
                     options_.max_note_bytes));
  }
  if (note_required && action.note.empty() && action.attachments.empty()) {
    return absl::InvalidArgumentError("note: empty (give a note or an attachment)");
  }
  if (action.attachments.size() > options_.max_attachments) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attachments: ", action.attachments.size(), " is over the limit of ",
        options_.max_attachments));
  }
  for (const std::string& a : action.attachments) {
    if (a.empty() || a.size() > 1024 || a.find('\n') != std::string::npos) {
      return absl::InvalidArgumentError(
          "attachments: each is a reference of 1..1024 bytes on one line");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Case> CaseStore::CheckedLoadLocked(const Action& action) {
  absl::StatusOr<Case> c = LoadLocked(action.case_id);
  if (!c.ok()) return c.status();
  if (c->version != action.expected_version) {
    return absl::AbortedError(absl::StrCat(
        "case ", c->id, ": stale version ", action.expected_version,
        " (the case is at version ", c->version,
        ": someone else changed it; reload and retry)"));
  }
  return c;
}

std::optional<std::string> CaseStore::TwoPersonReason(const Case& c) const {
  if (c.ever_confirmed) {
    return std::string("the case was confirmed as fraud");
  }
  if (c.has_freeze) {
    if (c.max_freeze_amount_minor > options_.two_person_amount_minor) {
      return absl::StrCat("a FREEZE of ", c.max_freeze_amount_minor,
                          " (minor units) is above ",
                          options_.two_person_amount_minor);
    }
    if (c.freeze_amount_unknown && options_.two_person_when_amount_unknown) {
      return std::string("a FREEZE whose amount the evidence does not name");
    }
  }
  return std::nullopt;
}

absl::Status CaseStore::NotifyLocked(const Case& c, const std::string& kind,
                                     const std::string& dedupe_suffix) {
  absl::StatusOr<Stmt> stmt = db_->Cached(
      "INSERT OR IGNORE INTO notifications(dedupe_key, case_id, account_id, "
      "kind, time_ms, payload) VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  const int64_t now = Now();
  stmt->Bind(1, absl::StrCat("case/", c.id, "/", kind, dedupe_suffix))
      .Bind(2, c.id)
      .Bind(3, c.account_id)
      .Bind(4, kind)
      .Bind(5, now)
      .Bind(6, absl::StrCat("{\"case_id\":", c.id, ",\"account_id\":\"",
                            c.account_id, "\",\"kind\":\"", kind, "\"}"));
  return stmt->Run();
}

absl::Status CaseStore::ApplyLocked(const Case& c, const Action& action,
                                    const std::string& action_name,
                                    CaseState to,
                                    const std::string& release_requested_by) {
  const int64_t now = Now();
  const bool state_changes = to != c.state;
  absl::StatusOr<Stmt> update = db_->Prepare(
      "UPDATE cases SET state = ?, is_open = ?, version = version + 1, "
      "updated_ms = ?, state_since_ms = ?, ever_confirmed = ?, "
      "release_requested_by = ? WHERE id = ? AND version = ?");
  if (!update.ok()) return update.status();
  update->Bind(1, StateName(to))
      .Bind(2, int64_t{IsOpenState(to)})
      .Bind(3, now)
      .Bind(4, state_changes ? now : c.state_since_ms)
      .Bind(5, int64_t{c.ever_confirmed || to == CaseState::kConfirmedFraud})
      .Bind(6, release_requested_by)
      .Bind(7, c.id)
      .Bind(8, c.version);
  if (absl::Status s = update->Run(); !s.ok()) {
    if (s.code() == absl::StatusCode::kFailedPrecondition &&
        IsOpenState(to)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "case ", c.id, ": account ", c.account_id,
          " already has another open case; an appeal reopens only when it "
          "is closed"));
    }
    return s;
  }
  absl::StatusOr<Stmt> row = db_->Prepare(
      "INSERT INTO case_actions(case_id, time_ms, actor, role, action, "
      "from_state, to_state, note, attachments) VALUES (?, ?, ?, ?, ?, ?, ?, "
      "?, ?)");
  if (!row.ok()) return row.status();
  row->Bind(1, c.id)
      .Bind(2, now)
      .Bind(3, action.actor)
      .Bind(4, action.role)
      .Bind(5, action_name)
      .Bind(6, StateName(c.state))
      .Bind(7, StateName(to))
      .Bind(8, action.note)
      .Bind(9, absl::StrJoin(action.attachments, "\n"));
  if (absl::Status s = row->Run(); !s.ok()) return s;
  std::string detail =
      absl::StrCat(StateName(c.state), "->", StateName(to), " role=",
                   action.role, " version=", c.version + 1);
  if (!action.note.empty()) absl::StrAppend(&detail, " note=", action.note);
  if (!action.attachments.empty()) {
    absl::StrAppend(&detail, " attachments=",
                    absl::StrJoin(action.attachments, ","));
  }
  if (absl::StatusOr<int64_t> a =
          audit_.Append(now, action.actor, absl::StrCat("case.", action_name),
                        absl::StrCat("case/", c.id), detail);
      !a.ok()) {
    return a.status();
  }
  if (!state_changes) return absl::OkStatus();
  if (to == CaseState::kReleased) {
    // A released case may be reopened only by a new flag (a new case), so
    // one release notification per case.
    const bool appeal = c.state == CaseState::kReReview;
    return NotifyLocked(c, appeal ? "appeal_released" : "released", "");
  }
  if (to == CaseState::kUpheld) return NotifyLocked(c, "appeal_upheld", "");
  return absl::OkStatus();
}

absl::StatusOr<Case> CaseStore::Transition(const Action& action,
                                           CaseState to) {
  if (absl::Status s = CheckAction(action, false); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::Status s = InTransaction(*db_, [&]() -> absl::Status {
    absl::StatusOr<Case> c = CheckedLoadLocked(action);
    if (!c.ok()) return c.status();
    if (absl::Status e = CheckTransition(c->state, to); !e.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("case ", c->id, ": ", e.message()));
    }
    if (absl::Status e = CheckRoleFor(c->state, to, action.role); !e.ok()) {
      return e;
    }
    if (to == CaseState::kReleased) {
      if (std::optional<std::string> why = TwoPersonReason(*c)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "case ", c->id, ": releasing needs a second reviewer (", *why,
            "): request-release, then a different senior reviewer approves"));
      }
    }
    return ApplyLocked(*c, action, "transition", to, "");
  });
  if (!s.ok()) return s;
  return LoadLocked(action.case_id);
}

absl::StatusOr<Case> CaseStore::AddNote(const Action& action) {
  if (absl::Status s = CheckAction(action, true); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::Status s = InTransaction(*db_, [&]() -> absl::Status {
    absl::StatusOr<Case> c = CheckedLoadLocked(action);
    if (!c.ok()) return c.status();
    return ApplyLocked(*c, action, "note", c->state, c->release_requested_by);
  });
  if (!s.ok()) return s;
  return LoadLocked(action.case_id);
}

absl::StatusOr<Case> CaseStore::RequestRelease(const Action& action) {
  if (absl::Status s = CheckAction(action, false); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::Status s = InTransaction(*db_, [&]() -> absl::Status {
    absl::StatusOr<Case> c = CheckedLoadLocked(action);
    if (!c.ok()) return c.status();
    if (absl::Status e = CheckTransition(c->state, CaseState::kReleased);
        !e.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("case ", c->id, ": cannot request a release: ",
                       e.message()));
    }
    if (!c->release_requested_by.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "case ", c->id, ": a release is already requested by ",
          c->release_requested_by, "; it awaits a second reviewer"));
    }
    return ApplyLocked(*c, action, "request_release", c->state,
                       action.actor);
  });
  if (!s.ok()) return s;
  return LoadLocked(action.case_id);
}

absl::StatusOr<Case> CaseStore::ApproveRelease(const Action& action) {
  if (absl::Status s = CheckAction(action, false); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::Status s = InTransaction(*db_, [&]() -> absl::Status {
    absl::StatusOr<Case> c = CheckedLoadLocked(action);
    if (!c.ok()) return c.status();
    if (c->release_requested_by.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "case ", c->id, ": no release was requested (request-release "
                          "first, by the first reviewer)"));
    }
    if (c->release_requested_by == action.actor) {
      return absl::PermissionDeniedError(absl::StrCat(
          "case ", c->id, ": ", action.actor,
          " requested this release and cannot also approve it (two-person "
          "rule: a different reviewer must approve)"));
    }
    if (!IsSenior(action.role)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "role: approving a release needs senior_reviewer or admin, not ",
          action.role));
    }
    if (absl::Status e = CheckTransition(c->state, CaseState::kReleased);
        !e.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("case ", c->id, ": ", e.message()));
    }
    return ApplyLocked(*c, action, "approve_release", CaseState::kReleased,
                       "");
  });
  if (!s.ok()) return s;
  return LoadLocked(action.case_id);
}

}  // namespace riskflow::cases
