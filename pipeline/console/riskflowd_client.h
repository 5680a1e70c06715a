#ifndef RISKFLOW_PIPELINE_CONSOLE_RISKFLOWD_CLIENT_H_
#define RISKFLOW_PIPELINE_CONSOLE_RISKFLOWD_CLIENT_H_

// What the case service asks riskflowd over its Admin API: decision
// look-ups for customer service, an account's hold, and releasing a hold
// when a case is released (docs/account-holds.md).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"

namespace riskflow::console {

class RiskflowdClient {
 public:
  explicit RiskflowdClient(std::shared_ptr<grpc::Channel> channel,
                           absl::Duration timeout = absl::Seconds(10));

  absl::StatusOr<riskflow::v1::LookupDecisionResponse> LookupDecision(
      const std::string& channel_id, const std::string& event_id);
  absl::StatusOr<riskflow::v1::AccountStatus> GetAccountStatus(
      const std::string& account_id);
  absl::StatusOr<riskflow::v1::HoldResponse> ReleaseHold(
      const riskflow::v1::HoldRequest& request);
  absl::StatusOr<riskflow::v1::HoldResponse> PlaceHold(
      const riskflow::v1::HoldRequest& request);
  // The account's recent events for the case evidence (docs/cases.md).
  absl::StatusOr<riskflow::v1::GetAccountEventsResponse> GetAccountEvents(
      const riskflow::v1::GetAccountEventsRequest& request);

 private:
  std::unique_ptr<riskflow::v1::Admin::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_RISKFLOWD_CLIENT_H_
