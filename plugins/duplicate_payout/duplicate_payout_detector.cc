#include "plugins/duplicate_payout/duplicate_payout_detector.h"

#include <string_view>

#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace duplicate_payout {
namespace {

constexpr int64_t kDayMs = 86400 * 1000;

void AppendField(std::string_view field, std::string* key) {
  *key += std::to_string(field.size());
  *key += ':';
  *key += field;
}

}  // namespace

const std::vector<rf_param_spec>& DuplicatePayoutParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("window", RF_PARAM_DURATION, "10m",
                     "Two identical payouts this close in event time are "
                     "annotated."),
          1000, 30 * kDayMs),
      sdk::Param("types", RF_PARAM_LIST, "PAYOUT", "Event types compared."),
  };
  return kParams;
}

std::string PayoutKey(const sdk::Event& event) {
  std::string key;
  AppendField(event.account_id(), &key);
  AppendField(event.counterparty(), &key);
  AppendField(event.currency(), &key);
  AppendField(std::to_string(event.amount_minor()), &key);
  return key;
}

sdk::Status DuplicatePayoutDetector::Init(sdk::InitContext& ctx,
                                          const sdk::Params& params) {
  window_ms_ = params.DurationMs("window");
  sdk::Status s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  // The TTL lets the host drop entries older than the window; the window
  // check below is still needed for events that arrive out of order.
  return ctx.DeclareLastSeen("last_payout", &last_, window_ms_);
}

sdk::Status DuplicatePayoutDetector::OnEvent(sdk::Context& ctx,
                                             const sdk::Event& event) {
  // No account: nothing to attribute the payout to (and the engine shards
  // by account, so such state would not be per-key anyway).
  if (!types_.Contains(event.type()) || event.account_id().empty()) {
    return sdk::Status::Ok();
  }
  const std::string key = PayoutKey(event);
  const int64_t now = event.event_time_ms();
  std::optional<sdk::Context::LastValue> previous = ctx.GetLast(last_, key);
  if (!ctx.ok()) return ctx.status();

  if (previous.has_value() && previous->value != event.event_id()) {
    // Either order counts: a late event may be older than the stored one.
    int64_t gap = now - previous->event_time_ms;
    if (gap < 0) gap = -gap;
    if (gap <= window_ms_) {
      const std::string original(previous->value);
      sdk::Annotation a;
      a.score = 0.9;  // identical fields are strong evidence, not proof
      a.reason_code = "DUPLICATE_PAYOUT";
      a.message = "payout " + std::string(event.event_id()) +
                  " repeats payout " + original +
                  " (same account, counterparty, currency and amount) " +
                  sdk::FormatDurationMs(gap) + " apart";
      a.evidence = {
          {"original_event_id", original},
          {"original_event_time_ms", std::to_string(previous->event_time_ms)},
          {"event_id", std::string(event.event_id())}};
      a.route_hint = RF_ROUTE_MANUAL_REVIEW;
      ctx.Annotate(a);
    }
  }
  // Always remember the latest copy, so a third copy names the second.
  ctx.PutLast(last_, key, event.event_id());
  return ctx.status();
}

}  // namespace duplicate_payout
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::duplicate_payout::DuplicatePayoutDetector,
                  "duplicate_payout", "1.0.0",
                  "The same payout twice within a window under different ids.",
                  riskflow::duplicate_payout::DuplicatePayoutParams)
