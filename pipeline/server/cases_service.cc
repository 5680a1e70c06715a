#include "pipeline/server/cases_service.h"

#include "pipeline/server/grpc_status.h"

namespace riskflow::server {

namespace {

absl::Status Summarize(riskflow::cases::CaseStore* store, int64_t case_id,
                       riskflow::v1::CaseSummary* out) {
  absl::StatusOr<riskflow::cases::Case> c = store->Get(case_id);
  if (!c.ok()) return c.status();
  absl::StatusOr<std::string> sha = store->EvidenceSha256(case_id);
  if (!sha.ok()) return sha.status();
  out->set_case_id(c->id);
  out->set_account_id(c->account_id);
  out->set_state(riskflow::cases::StateName(c->state));
  out->set_version(c->version);
  out->set_severity(c->severity);
  out->set_opened_ms(c->opened_ms);
  out->set_state_since_ms(c->state_since_ms);
  out->set_sla_deadline_ms(c->sla_deadline_ms);
  out->set_overdue(c->overdue);
  out->set_decision_count(c->decision_count);
  out->set_evidence_sha256(*sha);
  out->set_release_requested_by(c->release_requested_by);
  return absl::OkStatus();
}

}  // namespace

grpc::Status CasesService::LookupEvent(
    grpc::ServerContext*, const riskflow::v1::LookupEventRequest* request,
    riskflow::v1::EventLookup* response) {
  if (request->event_id().empty()) {
    return ToGrpc(absl::InvalidArgumentError(
        "event_id: required (\"<channel_id>/<event_id>\" or an event id)"));
  }
  auto found = store_->DecisionOfEvent(request->event_id());
  if (!found.ok()) return ToGrpc(found.status());
  *response->mutable_decision() = found->first.decision;
  return ToGrpc(
      Summarize(store_, found->second, response->mutable_case_summary()));
}

grpc::Status CasesService::LookupAccount(
    grpc::ServerContext*, const riskflow::v1::LookupAccountRequest* request,
    riskflow::v1::AccountLookup* response) {
  if (request->account_id().empty()) {
    return ToGrpc(absl::InvalidArgumentError("account_id: required"));
  }
  riskflow::cases::CaseFilter filter;
  filter.account_id = request->account_id();
  filter.limit = 0;
  auto cases = store_->List(filter);
  if (!cases.ok()) return ToGrpc(cases.status());
  if (cases->empty()) {
    return ToGrpc(absl::NotFoundError(
        "account_id: " + request->account_id() +
        " has no cases (never flagged FREEZE or MANUAL_REVIEW)"));
  }
  for (const riskflow::cases::Case& c : *cases) {
    if (absl::Status s = Summarize(store_, c.id, response->add_cases());
        !s.ok()) {
      return ToGrpc(s);
    }
    if (riskflow::cases::IsOpenState(c.state)) {
      *response->mutable_open_case() = response->cases(response->cases_size() - 1);
      response->set_frozen(c.has_freeze);
    }
  }
  const size_t limit =
      request->max_decisions() == 0 ? 20 : request->max_decisions();
  auto latest = store_->LatestDecisions(request->account_id(), limit);
  if (!latest.ok()) return ToGrpc(latest.status());
  for (const riskflow::cases::AttachedDecision& d : *latest) {
    *response->add_last_decisions() = d.decision;
  }
  return grpc::Status::OK;
}

}  // namespace riskflow::server
