#include "plugins/duplicate_payout/duplicate_payout_detector.h"

#include <string_view>

#include "plugins/duplicate_payout/payout_history.h"
#include "plugins/sdk/param_parse.h"
#include "plugins/sdk/window_math.h"

namespace riskflow {
namespace duplicate_payout {
namespace {

constexpr int64_t kDayMs = 86400 * 1000;

void AppendField(std::string_view field, std::string* key) {
  *key += std::to_string(field.size());
  *key += ':';
  *key += field;
}

// The canonical type name, as written in the `types` parameter.
const char* TypeName(rf_event_type type) {
  switch (type) {
    case RF_EVENT_PAYMENT:
      return "PAYMENT";
    case RF_EVENT_PAYOUT:
      return "PAYOUT";
    case RF_EVENT_TRANSFER:
      return "TRANSFER";
    case RF_EVENT_REFUND:
      return "REFUND";
    case RF_EVENT_LOGIN:
      return "LOGIN";
    case RF_EVENT_AUTH_FAILURE:
      return "AUTH_FAILURE";
    case RF_EVENT_PROFILE_CHANGE:
      return "PROFILE_CHANGE";
    case RF_EVENT_BALANCE_SNAPSHOT:
      return "BALANCE_SNAPSHOT";
    case RF_EVENT_DEPOSIT:
      return "DEPOSIT";
    case RF_EVENT_UNSPECIFIED:
      break;
  }
  return "EVENT";
}

// "payout", "payment": how the message names the event's type.
std::string TypeWord(rf_event_type type) {
  std::string word = TypeName(type);
  for (char& c : word) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return word;
}

}  // namespace

const std::vector<rf_param_spec>& DuplicatePayoutParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("window", RF_PARAM_DURATION, "10m",
                     "Two identical payouts less than this far apart in "
                     "event time are annotated."),
          1000, 30 * kDayMs),
      sdk::Param("types", RF_PARAM_LIST, "PAYOUT",
                 "Event types compared (e.g. PAYOUT,PAYMENT); a copy only "
                 "matches an event of its own type."),
  };
  return kParams;
}

std::string PayoutKey(const sdk::Event& event) {
  std::string key;
  AppendField(event.account_id(), &key);
  AppendField(event.counterparty(), &key);
  AppendField(event.currency(), &key);
  AppendField(std::to_string(event.amount_minor()), &key);
  // A payment and a payout with equal fields are different requests. The
  // type is appended for every type but PAYOUT, so PAYOUT keys are those of
  // 1.0 and state stored before an upgrade keeps matching.
  if (event.type() != RF_EVENT_PAYOUT)
    AppendField(TypeName(event.type()), &key);
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

bool DuplicatePayoutDetector::Compared(const sdk::Event& event) const {
  // No account: nothing to attribute the payout to (and the engine shards
  // by account, so such state would not be per-key anyway).
  return types_.Contains(event.type()) && !event.account_id().empty();
}

void DuplicatePayoutDetector::EntityHints(const sdk::Event& event,
                                          sdk::Hints& hints) const {
  if (Compared(event)) hints.Add(PayoutKey(event));
}

sdk::Status DuplicatePayoutDetector::OnEvent(sdk::Context& ctx,
                                             const sdk::Event& event) {
  if (!Compared(event)) return sdk::Status::Ok();
  const std::string key = PayoutKey(event);
  const int64_t now = event.event_time_ms();
  std::optional<sdk::Context::LastValue> previous = ctx.GetLast(last_, key);
  if (!ctx.ok()) return ctx.status();
  std::vector<PayoutCopy> copies =
      previous.has_value()
          ? DecodeCopies(previous->value, previous->event_time_ms)
          : std::vector<PayoutCopy>();

  // A re-delivered request (an id already remembered for this key) is the
  // same payout, not a copy: no annotation, and the state is left as it
  // was, so any number of retries changes nothing.
  for (const PayoutCopy& c : copies) {
    if (c.event_id == event.event_id()) return sdk::Status::Ok();
  }

  if (!copies.empty()) {
    const PayoutCopy& latest = copies.back();
    // Either order counts: a late event may be older than the stored one.
    // The later copy's window (t - window, t] must hold the earlier one, so
    // copies exactly `window` apart are not duplicates (docs/windows.md).
    int64_t gap = now - latest.event_time_ms;
    if (gap < 0) gap = -gap;
    if (sdk::InWindowEitherOrder(now, latest.event_time_ms, window_ms_)) {
      const std::string word = TypeWord(event.type());
      sdk::Annotation a;
      a.score = 0.9;  // identical fields are strong evidence, not proof
      a.reason_code = "DUPLICATE_PAYOUT";
      a.message = word + " " + std::string(event.event_id()) + " repeats " +
                  word + " " + latest.event_id +
                  " (same account, counterparty, currency and amount) " +
                  sdk::FormatDurationMs(gap) + " apart";
      a.evidence = {
          {"original_event_id", latest.event_id},
          {"original_event_time_ms", std::to_string(latest.event_time_ms)},
          {"event_id", std::string(event.event_id())}};
      a.route_hint = RF_ROUTE_MANUAL_REVIEW;
      ctx.Annotate(a);
    }
  }
  // Always remember the latest copy, so a third copy names the second.
  copies.push_back(PayoutCopy{std::string(event.event_id()), now});
  if (copies.size() > kMaxCopies) {
    copies.erase(copies.begin(), copies.end() - kMaxCopies);
  }
  ctx.PutLast(last_, key, EncodeCopies(copies));
  return ctx.status();
}

}  // namespace duplicate_payout
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::duplicate_payout::DuplicatePayoutDetector,
                  "duplicate_payout", "1.1.1",
                  "The same payout twice within a window under different ids.",
                  riskflow::duplicate_payout::DuplicatePayoutParams)
