// auth_failures_detector.h — bursts of failed logins on one account
// (password guessing, credential stuffing) and a successful login right
// after such failures (the guess that worked). See README.md.
#ifndef RISKFLOW_PLUGINS_AUTH_FAILURES_AUTH_FAILURES_DETECTOR_H_
#define RISKFLOW_PLUGINS_AUTH_FAILURES_AUTH_FAILURES_DETECTOR_H_

#include <cstdint>
#include <vector>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace auth_failures {

// The declared parameter schema (names are fixed: pipeline configs use them).
const std::vector<rf_param_spec>& AuthFailuresParams();

// Failures are counted in 1s buckets: windows are exact at their end and
// may reach up to 999ms further back at their start.
inline constexpr int64_t kBucketMs = 1000;

class AuthFailuresDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

 private:
  sdk::Status OnFailure(sdk::Context& ctx, const sdk::Event& event);
  sdk::Status OnLogin(sdk::Context& ctx, const sdk::Event& event);

  int64_t max_failures_ = 0;
  int64_t window_ms_ = 0;
  int64_t burst_failures_ = 0;
  int64_t success_window_ms_ = 0;
  sdk::StateHandle failures_ = 0;    // COUNTER per account
  sdk::StateHandle last_login_ = 0;  // LAST_SEEN per account
};

}  // namespace auth_failures
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_AUTH_FAILURES_AUTH_FAILURES_DETECTOR_H_
