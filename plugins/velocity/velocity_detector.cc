#include "plugins/velocity/velocity_detector.h"

#include <algorithm>
#include <string>

#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace velocity {

namespace {
constexpr int64_t kDayMs = 86400 * 1000;
}  // namespace

const std::vector<rf_param_spec>& VelocityParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("max_events", RF_PARAM_INT, "10",
                     "Most events allowed per account in the window; one "
                     "more is annotated."),
          1, 1e9),
      sdk::WithRange(sdk::Param("window", RF_PARAM_DURATION, "1m",
                                "Length of the sliding event-time window."),
                     1000, 30 * kDayMs),
      sdk::WithRange(
          sdk::Param("bucket", RF_PARAM_DURATION, "1s",
                     "Window granularity: the window may reach back up to "
                     "one bucket further than `window`."),
          1, 30 * kDayMs),
      sdk::Param("types", RF_PARAM_LIST, "PAYMENT,PAYOUT,TRANSFER",
                 "Event types counted; others are ignored."),
  };
  return kParams;
}

sdk::Status VelocityDetector::Init(sdk::InitContext& ctx,
                                   const sdk::Params& params) {
  max_events_ = params.Int("max_events");
  window_ms_ = params.DurationMs("window");
  int64_t bucket_ms = params.DurationMs("bucket");
  if (bucket_ms > window_ms_) {
    return sdk::Status::Error(
        "parameter 'bucket': " + sdk::FormatDurationMs(bucket_ms) +
        " is longer than the window of " + sdk::FormatDurationMs(window_ms_));
  }
  sdk::Status s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  return ctx.DeclareCounter("events", window_ms_, bucket_ms, &events_);
}

sdk::Status VelocityDetector::OnEvent(sdk::Context& ctx,
                                      const sdk::Event& event) {
  // An event without an account cannot be attributed; counting all of them
  // under one empty key would freeze unrelated traffic.
  if (!types_.Contains(event.type()) || event.account_id().empty()) {
    return sdk::Status::Ok();
  }
  ctx.Add(events_, event.account_id());
  int64_t count = ctx.Total(events_, event.account_id(), window_ms_);
  if (!ctx.ok() || count <= max_events_) return ctx.status();

  sdk::Annotation a;
  a.score = std::min(1.0, static_cast<double>(count) /
                              (2.0 * static_cast<double>(max_events_)));
  a.reason_code = "VELOCITY";
  a.message = std::to_string(count) + " " + types_.Joined() + " events in " +
              sdk::FormatDurationMs(window_ms_) + ", above the limit of " +
              std::to_string(max_events_);
  a.evidence = {{"count", std::to_string(count)},
                {"window_ms", std::to_string(window_ms_)},
                {"max_events", std::to_string(max_events_)}};
  a.route_hint = RF_ROUTE_FREEZE;
  ctx.Annotate(a);
  return ctx.status();
}

}  // namespace velocity
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::velocity::VelocityDetector, "velocity", "1.0.0",
                  "Too many payment events per account in a sliding window.",
                  riskflow::velocity::VelocityParams)
