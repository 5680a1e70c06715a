#include "pipeline/cases/workflow.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riskflow::cases {

std::string StateName(CaseState state) {
  switch (state) {
    case CaseState::kOpen:
      return "OPEN";
    case CaseState::kInvestigating:
      return "INVESTIGATING";
    case CaseState::kContacted:
      return "CONTACTED";
    case CaseState::kConfirmedFraud:
      return "CONFIRMED_FRAUD";
    case CaseState::kReleased:
      return "RELEASED";
    case CaseState::kAppealed:
      return "APPEALED";
    case CaseState::kReReview:
      return "RE_REVIEW";
    case CaseState::kUpheld:
      return "UPHELD";
  }
  return absl::StrCat("STATE_", static_cast<int>(state));
}

absl::StatusOr<CaseState> ParseState(std::string_view name) {
  std::vector<std::string> names;
  for (CaseState s : kAllStates) {
    if (StateName(s) == name) return s;
    names.push_back(StateName(s));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("state: unknown \"", std::string(name), "\" (one of ",
                   absl::StrJoin(names, ", "), ")"));
}

bool IsOpenState(CaseState state) {
  switch (state) {
    case CaseState::kOpen:
    case CaseState::kInvestigating:
    case CaseState::kContacted:
    case CaseState::kAppealed:
    case CaseState::kReReview:
      return true;
    default:
      return false;
  }
}

std::vector<CaseState> NextStates(CaseState from) {
  switch (from) {
    case CaseState::kOpen:
      return {CaseState::kInvestigating};
    case CaseState::kInvestigating:
      return {CaseState::kContacted, CaseState::kConfirmedFraud,
              CaseState::kReleased};
    case CaseState::kContacted:
      return {CaseState::kConfirmedFraud, CaseState::kReleased};
    case CaseState::kConfirmedFraud:
      return {CaseState::kAppealed};
    case CaseState::kAppealed:
      return {CaseState::kReReview};
    case CaseState::kReReview:
      return {CaseState::kUpheld, CaseState::kReleased};
    case CaseState::kReleased:
    case CaseState::kUpheld:
      return {};
  }
  return {};
}

absl::Status CheckTransition(CaseState from, CaseState to) {
  std::vector<std::string> legal;
  for (CaseState next : NextStates(from)) {
    if (next == to) return absl::OkStatus();
    legal.push_back(StateName(next));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "illegal transition ", StateName(from), " -> ", StateName(to), " (from ",
      StateName(from), ": ",
      legal.empty() ? "none, the case is closed" : absl::StrJoin(legal, ", "),
      ")"));
}

absl::Status CheckRole(std::string_view role) {
  if (role == kRoleReviewer || role == kRoleSenior || role == kRoleAdmin) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role: unknown \"", std::string(role),
                   "\" (reviewer, senior_reviewer or admin)"));
}

bool IsSenior(std::string_view role) {
  return role == kRoleSenior || role == kRoleAdmin;
}

absl::Status CheckRoleFor(CaseState from, CaseState to,
                          std::string_view role) {
  if (absl::Status s = CheckRole(role); !s.ok()) return s;
  if (from == CaseState::kReReview && !IsSenior(role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role: deciding an appeal (", StateName(from), " -> ",
                     StateName(to), ") needs senior_reviewer or admin, not ",
                     std::string(role)));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::cases
