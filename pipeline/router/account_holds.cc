#include "pipeline/router/account_holds.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "pipeline/router/router.h"

namespace riskflow::router {
namespace {

using riskflow::v1::Annotation;
using riskflow::v1::Decision;

// Not a valid detector name (validate.cc), so no detector's state ids can
// collide with it.
constexpr char kStateOwner[] = "#holds";
// Ids cannot hold control characters (event_validator.cc), so this cannot
// appear inside a decision id; the reason is last and may hold anything.
constexpr char kSep = '\x1f';
// A released account keeps an empty value rather than a deletion, so the
// release reaches the store at the next checkpoint like any change.
constexpr char kReleased[] = "";

std::string Encode(const Hold& h) {
  return absl::StrCat(h.decision_id, std::string(1, kSep), h.sequence,
                      std::string(1, kSep), h.since_ms, std::string(1, kSep),
                      h.reason);
}

std::optional<Hold> DecodeHold(std::string_view value) {
  if (value.empty()) return std::nullopt;
  // Abseil here has its own string_view type.
  const absl::string_view v(value.data(), value.size());
  std::vector<absl::string_view> f =
      absl::StrSplit(v, absl::MaxSplits(kSep, 3));
  Hold h;
  if (f.size() != 4 || !absl::SimpleAtoi(f[1], &h.sequence) ||
      !absl::SimpleAtoi(f[2], &h.since_ms)) {
    // Unreadable: treat the account as held (failing closed on a hold),
    // with what can be said about it.
    h.reason = "hold record unreadable";
    return h;
  }
  h.decision_id = std::string(f[0]);
  h.reason = std::string(f[3]);
  return h;
}

std::string Attribute(const riskflow::v1::Event& ev, const char* key) {
  auto it = ev.attributes().find(key);
  return it == ev.attributes().end() ? std::string() : it->second;
}

Annotation* Annotate(Decision* d, const char* reason, riskflow::v1::Route route,
                     std::string message) {
  Annotation* a = d->add_annotations();
  a->set_detector(kHoldDetector);
  a->set_reason_code(reason);
  a->set_message(std::move(message));
  a->set_score(route == riskflow::v1::FREEZE ? 1.0 : 0.0);
  a->set_route_hint(route);
  a->set_route(route);
  return a;
}

void AddEvidence(Annotation* a, const char* key, std::string value) {
  riskflow::v1::Evidence* e = a->add_evidence();
  e->set_key(key);
  e->set_value(std::move(value));
}

}  // namespace

bool IsOutgoing(riskflow::v1::EventType type) {
  return type == riskflow::v1::PAYMENT || type == riskflow::v1::PAYOUT ||
         type == riskflow::v1::TRANSFER;
}

AccountHolds::AccountHolds() {
  // LAST_SEEN without a ttl: a hold never expires on its own.
  absl::StatusOr<state::StateSpec> spec = state::MakeStateSpec(
      kStateOwner, "hold", state::StateKind::kLastSeen, 0, 0, 0);
  if (spec.ok()) spec_ = *spec;  // constant shape: cannot fail
}

void AccountHolds::RegisterStates(storage::Store* store) const {
  state::RegisterState(store, spec_);
}

absl::StatusOr<std::optional<Hold>> AccountHolds::Get(
    state::ShardState* state, const std::string& account_id, int64_t t) const {
  auto got = state->LastGet(spec_, account_id, t);
  if (!got.ok()) return got.status();
  if (!got->has_value()) return std::nullopt;
  return DecodeHold((*got)->first);
}

absl::Status AccountHolds::Put(state::ShardState* state,
                               const std::string& account_id, int64_t t,
                               const Hold* hold) {
  // Into the filter before the state: "not in the filter" must always mean
  // "not held".
  if (filter_ != nullptr && hold != nullptr) filter_->Add(account_id);
  absl::Status s = state->LastPut(
      spec_, account_id, t,
      hold == nullptr ? std::string(kReleased) : Encode(*hold));
  if (!s.ok()) return s;
  index_changes_.emplace_back(account_id, hold == nullptr
                                              ? std::nullopt
                                              : std::optional<Hold>(*hold));
  return absl::OkStatus();
}

namespace {

constexpr char kIndexPrefix[] = "hold/";

}  // namespace

void AddToHoldIndex(
    storage::Store* store,
    const std::vector<std::pair<std::string, std::optional<Hold>>>& changes,
    rocksdb::WriteBatch* batch) {
  for (const auto& [account, hold] : changes) {
    const std::string key = absl::StrCat(kIndexPrefix, account);
    if (hold.has_value()) {
      batch->Put(store->handle(storage::Cf::kMeta), key, Encode(*hold));
    } else {
      batch->Delete(store->handle(storage::Cf::kMeta), key);
    }
  }
}

absl::StatusOr<std::optional<Hold>> ReadHoldIndex(
    storage::Store* store, const std::string& account_id) {
  std::string value;
  absl::StatusOr<bool> found = store->Get(
      storage::Cf::kMeta, absl::StrCat(kIndexPrefix, account_id), &value);
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return DecodeHold(value);
}

absl::StatusOr<bool> AccountHolds::Decide(state::ShardState* state,
                                          const log::LoggedEvent& e,
                                          Decision* d) {
  const riskflow::v1::Event& ev = e.event;
  const int64_t t = ev.event_time_ms();
  const riskflow::v1::EventType type = ev.type();
  if (type == riskflow::v1::ACCOUNT_HOLD) {
    absl::StatusOr<std::optional<Hold>> current = Get(state, ev.account_id(), t);
    if (!current.ok()) return current.status();
    const std::string actor = Attribute(ev, kHoldActorAttribute);
    const std::string reason = Attribute(ev, kHoldReasonAttribute);
    Annotation* a;
    if (current->has_value()) {
      a = Annotate(d, kHoldPlacedReason, riskflow::v1::PASS,
                   absl::StrCat("account already held since decision ",
                                (*current)->decision_id, "; nothing changed"));
    } else {
      Hold h{d->decision_id(), e.sequence, t,
             absl::StrCat("placed by ", actor, reason.empty() ? "" : ": ",
                          reason)};
      if (absl::Status s = Put(state, ev.account_id(), t, &h); !s.ok()) return s;
      a = Annotate(d, kHoldPlacedReason, riskflow::v1::FREEZE,
                   absl::StrCat("hold placed on the account by ", actor));
    }
    AddEvidence(a, "actor", actor);
    AddEvidence(a, "reason", reason);
    AddEvidence(a, "case_id", Attribute(ev, kHoldCaseAttribute));
    SetRoutesFromAnnotations(d);
    return true;
  }
  if (type == riskflow::v1::ACCOUNT_RELEASE) {
    absl::StatusOr<std::optional<Hold>> current = Get(state, ev.account_id(), t);
    if (!current.ok()) return current.status();
    const std::string actor = Attribute(ev, kHoldActorAttribute);
    Annotation* a;
    if (current->has_value()) {
      if (absl::Status s = Put(state, ev.account_id(), t, nullptr); !s.ok()) {
        return s;
      }
      a = Annotate(d, kHoldReleasedReason, riskflow::v1::PASS,
                   absl::StrCat("hold released by ", actor,
                                " (placed by decision ",
                                (*current)->decision_id, ")"));
      AddEvidence(a, "hold_decision_id", (*current)->decision_id);
    } else {
      a = Annotate(d, kHoldReleasedReason, riskflow::v1::PASS,
                   "the account was not held; nothing changed");
    }
    AddEvidence(a, "actor", actor);
    AddEvidence(a, "reason", Attribute(ev, kHoldReasonAttribute));
    AddEvidence(a, "case_id", Attribute(ev, kHoldCaseAttribute));
    SetRoutesFromAnnotations(d);
    return true;
  }
  if (!IsOutgoing(type)) return false;
  if (filter_ != nullptr && !filter_->MaybeHeld(ev.account_id())) return false;
  absl::StatusOr<std::optional<Hold>> hold = Get(state, ev.account_id(), t);
  if (!hold.ok()) return hold.status();
  if (!hold->has_value()) return false;
  const Hold& h = **hold;
  Annotation* a = Annotate(
      d, kHeldReason, riskflow::v1::FREEZE,
      absl::StrCat("the account is held (since decision ", h.decision_id,
                   "); outgoing money movement is frozen until a release"));
  AddEvidence(a, "hold_decision_id", h.decision_id);
  AddEvidence(a, "hold_sequence", absl::StrCat(h.sequence));
  AddEvidence(a, "held_since_ms", absl::StrCat(h.since_ms));
  AddEvidence(a, "hold_reason", h.reason);
  SetRoutesFromAnnotations(d);
  return true;
}

absl::Status AccountHolds::AfterRouting(state::ShardState* state,
                                        const log::LoggedEvent& e,
                                        Decision* d) {
  if (d->route() != riskflow::v1::FREEZE) return absl::OkStatus();
  for (const Annotation& a : d->annotations()) {
    // Decided by Decide: placed (or already in place) there.
    if (a.detector() == kHoldDetector) return absl::OkStatus();
  }
  const int64_t t = e.event.event_time_ms();
  absl::StatusOr<std::optional<Hold>> current =
      Get(state, e.event.account_id(), t);
  if (!current.ok()) return current.status();
  if (current->has_value()) return absl::OkStatus();
  std::string reasons;
  for (const Annotation& a : d->annotations()) {
    if (a.route() != riskflow::v1::FREEZE) continue;
    absl::StrAppend(&reasons, reasons.empty() ? "" : ", ", a.detector(), ":",
                    a.reason_code());
  }
  Hold h{d->decision_id(), e.sequence, t, absl::StrCat("FREEZE by ", reasons)};
  if (absl::Status s = Put(state, e.event.account_id(), t, &h); !s.ok()) {
    return s;
  }
  Annotation* a = Annotate(
      d, kHoldPlacedReason, riskflow::v1::FREEZE,
      "hold placed on the account: its outgoing payments, payouts and "
      "transfers are frozen until a release");
  AddEvidence(a, "reason", h.reason);
  return absl::OkStatus();
}

}  // namespace riskflow::router
