#include "plugins/auth_failures/auth_failures_detector.h"

#include <algorithm>
#include <optional>
#include <string>

#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace auth_failures {
namespace {

constexpr int64_t kDayMs = 86400 * 1000;

double Score(int64_t count, int64_t limit) {
  return std::min(
      1.0, static_cast<double>(count) / (2.0 * static_cast<double>(limit)));
}

}  // namespace

const std::vector<rf_param_spec>& AuthFailuresParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("max_failures", RF_PARAM_INT, "5",
                     "AUTH_FAILURE events per account within `window` that "
                     "make a burst; the Nth and every further one is "
                     "annotated."),
          1, 1e6),
      sdk::WithRange(sdk::Param("window", RF_PARAM_DURATION, "10m",
                                "Sliding event-time window for the burst."),
                     1000, kDayMs),
      sdk::WithRange(
          sdk::Param("burst_failures", RF_PARAM_INT, "3",
                     "Failures before a successful LOGIN (within "
                     "`success_window`) that make the login suspicious."),
          1, 1e6),
      sdk::WithRange(
          sdk::Param("success_window", RF_PARAM_DURATION, "10m",
                     "How far before a LOGIN failures are looked for."),
          1000, kDayMs),
  };
  return kParams;
}

sdk::Status AuthFailuresDetector::Init(sdk::InitContext& ctx,
                                       const sdk::Params& params) {
  max_failures_ = params.Int("max_failures");
  window_ms_ = params.DurationMs("window");
  burst_failures_ = params.Int("burst_failures");
  success_window_ms_ = params.DurationMs("success_window");
  // One counter serves both rules, so it must cover the longer window.
  sdk::Status s =
      ctx.DeclareCounter("failures", std::max(window_ms_, success_window_ms_),
                         kBucketMs, &failures_);
  if (!s.ok()) return s;
  // Only a login within success_window can shorten the look-back, so older
  // ones may expire.
  return ctx.DeclareLastSeen("last_login", &last_login_, success_window_ms_);
}

sdk::Status AuthFailuresDetector::OnEvent(sdk::Context& ctx,
                                          const sdk::Event& event) {
  // Without an account a failure cannot be attributed; pooling them under
  // one empty key would freeze unrelated traffic.
  if (event.account_id().empty()) return sdk::Status::Ok();
  if (event.type() == RF_EVENT_AUTH_FAILURE) return OnFailure(ctx, event);
  if (event.type() == RF_EVENT_LOGIN) return OnLogin(ctx, event);
  return sdk::Status::Ok();
}

sdk::Status AuthFailuresDetector::OnFailure(sdk::Context& ctx,
                                            const sdk::Event& event) {
  ctx.Add(failures_, event.account_id());
  const int64_t n = ctx.Total(failures_, event.account_id(), window_ms_);
  if (!ctx.ok() || n < max_failures_) return ctx.status();

  sdk::Annotation a;
  a.score = Score(n, max_failures_);
  a.reason_code = "AUTH_FAILURE_BURST";
  a.message = std::to_string(n) + " failed logins in " +
              sdk::FormatDurationMs(window_ms_) + " (burst at " +
              std::to_string(max_failures_) + ")";
  a.evidence = {{"failures", std::to_string(n)},
                {"window_ms", std::to_string(window_ms_)},
                {"max_failures", std::to_string(max_failures_)}};
  a.route_hint = RF_ROUTE_FREEZE;
  ctx.Annotate(a);
  return ctx.status();
}

sdk::Status AuthFailuresDetector::OnLogin(sdk::Context& ctx,
                                          const sdk::Event& event) {
  const int64_t now = event.event_time_ms();
  std::optional<sdk::Context::LastValue> previous =
      ctx.GetLast(last_login_, event.account_id());
  if (!ctx.ok()) return ctx.status();

  // Failures already "answered" by an earlier successful login are not
  // counted again: one burst yields one notification, not one per login.
  int64_t lookback = success_window_ms_;
  if (previous.has_value() && previous->event_time_ms <= now) {
    lookback = std::min(lookback, now - previous->event_time_ms);
  }
  // A late (older) login must not move the marker backwards.
  if (!previous.has_value() || previous->event_time_ms <= now) {
    ctx.PutLast(last_login_, event.account_id(), event.event_id());
  }
  const int64_t n =
      lookback > 0 ? ctx.Total(failures_, event.account_id(), lookback) : 0;
  if (!ctx.ok() || n < burst_failures_) return ctx.status();

  sdk::Annotation a;
  a.score = Score(n, burst_failures_);
  a.reason_code = "LOGIN_AFTER_FAILURES";
  a.message = "successful login after " + std::to_string(n) +
              " failed logins in " + sdk::FormatDurationMs(lookback);
  a.evidence = {{"failures_before", std::to_string(n)},
                {"success_window_ms", std::to_string(success_window_ms_)},
                {"burst_failures", std::to_string(burst_failures_)}};
  a.route_hint = RF_ROUTE_NOTIFY;
  ctx.Annotate(a);
  return ctx.status();
}

}  // namespace auth_failures
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::auth_failures::AuthFailuresDetector,
                  "auth_failures", "1.0.0",
                  "Bursts of failed logins, and a login right after them.",
                  riskflow::auth_failures::AuthFailuresParams)
