// The case workflow: states, the legal transitions between them, and who
// may make them. Pure functions, so the rules are testable without a
// database and the HTTP console can show the allowed next steps.
//
//   OPEN -> INVESTIGATING -> (CONTACTED) -> CONFIRMED_FRAUD | RELEASED
//   CONFIRMED_FRAUD -> APPEALED -> RE_REVIEW -> UPHELD | RELEASED
#ifndef RISKFLOW_PIPELINE_CASES_WORKFLOW_H_
#define RISKFLOW_PIPELINE_CASES_WORKFLOW_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::cases {

enum class CaseState {
  kOpen = 1,
  kInvestigating = 2,
  kContacted = 3,
  kConfirmedFraud = 4,
  kReleased = 5,
  kAppealed = 6,
  kReReview = 7,
  kUpheld = 8,
};

inline constexpr CaseState kAllStates[] = {
    CaseState::kOpen,     CaseState::kInvestigating, CaseState::kContacted,
    CaseState::kConfirmedFraud, CaseState::kReleased, CaseState::kAppealed,
    CaseState::kReReview, CaseState::kUpheld};

// "OPEN", "INVESTIGATING", ...
std::string StateName(CaseState state);
absl::StatusOr<CaseState> ParseState(std::string_view name);

// Open states hold the account's one open case: later flags attach to it.
// CONFIRMED_FRAUD, RELEASED and UPHELD are closed (a confirmed case can
// still be appealed, which reopens it as APPEALED).
bool IsOpenState(CaseState state);

// States reachable from `from` in one step.
std::vector<CaseState> NextStates(CaseState from);

// OK, or FAILED_PRECONDITION naming both states and the legal ones.
absl::Status CheckTransition(CaseState from, CaseState to);

// Roles are plain strings the caller (CLI, console) vouches for.
inline constexpr char kRoleReviewer[] = "reviewer";
inline constexpr char kRoleSenior[] = "senior_reviewer";
inline constexpr char kRoleAdmin[] = "admin";

// INVALID_ARGUMENT unless role is one of the three.
absl::Status CheckRole(std::string_view role);
// Senior reviewer or admin.
bool IsSenior(std::string_view role);

// Who may move a case to `to`: deciding an appeal (UPHELD, or RELEASED out
// of RE_REVIEW) takes a senior reviewer, since it overrules an earlier
// decision; everything else any reviewer.
absl::Status CheckRoleFor(CaseState from, CaseState to, std::string_view role);

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_WORKFLOW_H_
