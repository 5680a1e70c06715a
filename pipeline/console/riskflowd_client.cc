#include "pipeline/console/riskflowd_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"

namespace riskflow::console {
namespace {

absl::Status FromGrpc(const grpc::Status& s, const char* rpc) {
  if (s.ok()) return absl::OkStatus();
  // riskflowd's own message names the problem; say which call it was and
  // keep its code (a refused release is not an internal error).
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat("riskflowd ", rpc, ": ", s.error_message()));
}

}  // namespace

RiskflowdClient::RiskflowdClient(std::shared_ptr<grpc::Channel> channel,
                                 absl::Duration timeout)
    : stub_(riskflow::v1::Admin::NewStub(std::move(channel))),
      timeout_(timeout) {}

#define RISKFLOW_CALL(Rpc, Request, Response)                             \
  grpc::ClientContext context;                                            \
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));       \
  Response response;                                                      \
  grpc::Status s = stub_->Rpc(&context, Request, &response);              \
  if (!s.ok()) return FromGrpc(s, #Rpc);                                  \
  return response

absl::StatusOr<riskflow::v1::LookupDecisionResponse>
RiskflowdClient::LookupDecision(const std::string& channel_id,
                                const std::string& event_id) {
  riskflow::v1::LookupDecisionRequest request;
  request.set_channel_id(channel_id);
  request.set_event_id(event_id);
  RISKFLOW_CALL(LookupDecision, request, riskflow::v1::LookupDecisionResponse);
}

absl::StatusOr<riskflow::v1::AccountStatus> RiskflowdClient::GetAccountStatus(
    const std::string& account_id) {
  riskflow::v1::GetAccountStatusRequest request;
  request.set_account_id(account_id);
  RISKFLOW_CALL(GetAccountStatus, request, riskflow::v1::AccountStatus);
}

absl::StatusOr<riskflow::v1::HoldResponse> RiskflowdClient::ReleaseHold(
    const riskflow::v1::HoldRequest& request) {
  RISKFLOW_CALL(ReleaseHold, request, riskflow::v1::HoldResponse);
}

absl::StatusOr<riskflow::v1::HoldResponse> RiskflowdClient::PlaceHold(
    const riskflow::v1::HoldRequest& request) {
  RISKFLOW_CALL(PlaceHold, request, riskflow::v1::HoldResponse);
}

absl::StatusOr<riskflow::v1::GetAccountEventsResponse>
RiskflowdClient::GetAccountEvents(
    const riskflow::v1::GetAccountEventsRequest& request) {
  RISKFLOW_CALL(GetAccountEvents, request,
                riskflow::v1::GetAccountEventsResponse);
}

#undef RISKFLOW_CALL

}  // namespace riskflow::console
