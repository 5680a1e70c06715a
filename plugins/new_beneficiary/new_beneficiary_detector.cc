#include "plugins/new_beneficiary/new_beneficiary_detector.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>
#include <utility>

#include "plugins/sdk/param_parse.h"
#include "plugins/sdk/window_math.h"

namespace riskflow {
namespace new_beneficiary {
namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;
// The PROFILE_CHANGE attribute naming what changed.
constexpr char kFieldAttribute[] = "field";



}  // namespace

const std::vector<rf_param_spec>& NewBeneficiaryParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::RequiredParam(
          "thresholds", RF_PARAM_LIST,
          "Per-currency payout thresholds in minor units, CUR:amount items, "
          "e.g. \"CNY:5000000,USD:700000\". Currencies not listed never "
          "fire."),
      sdk::Param("fields", RF_PARAM_LIST, "beneficiary,bank_account",
                 "Values of a PROFILE_CHANGE's \"field\" attribute that add "
                 "or change a beneficiary (its id is the counterparty)."),
      sdk::WithRange(
          sdk::Param("window", RF_PARAM_DURATION, "24h",
                     "How long after the profile change a payout to that "
                     "beneficiary counts as a payout to a new one (a payout "
                     "exactly this long after no longer does)."),
          kMinuteMs, 30 * kDayMs),
      sdk::Param("types", RF_PARAM_LIST, "PAYOUT", "Event types checked."),
  };
  return kParams;
}


std::string BeneficiaryKey(std::string_view account,
                           std::string_view counterparty) {
  std::string key;
  key.reserve(account.size() + 1 + counterparty.size());
  key.append(account);
  key.push_back('\x1f');
  key.append(counterparty);
  return key;
}

sdk::Status NewBeneficiaryDetector::Init(sdk::InitContext& ctx,
                                         const sdk::Params& params) {
  std::string error;
  if (!sdk::ParseMinorThresholds("thresholds", params.List("thresholds"),
                                 &thresholds_, &error)) {
    return sdk::Status::Error(error);
  }
  sdk::Status s;
  for (const std::string& field : params.List("fields")) {
    if (!fields_.insert(field).second) {
      return sdk::Status::Error("parameter 'fields': field '" + field +
                                "' listed twice");
    }
  }
  if (fields_.empty()) {
    return sdk::Status::Error("parameter 'fields': needs at least one field");
  }
  s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  if (types_.Contains(RF_EVENT_PROFILE_CHANGE)) {
    // The change itself is what opens the window; checking it as a payout
    // would compare a change against itself.
    return sdk::Status::Error(
        "parameter 'types': PROFILE_CHANGE cannot be a checked payout type");
  }
  window_ms_ = params.DurationMs("window");
  // TTL = window: a change older than the window can never fire again, so
  // the host may drop it.
  return ctx.DeclareLastSeen("beneficiary_change", &changes_, window_ms_);
}

bool NewBeneficiaryDetector::WatchedChange(const sdk::Event& event) const {
  std::optional<std::string_view> field = event.Attribute(kFieldAttribute);
  return field.has_value() && fields_.find(*field) != fields_.end();
}

bool NewBeneficiaryDetector::LargePayout(const sdk::Event& event) const {
  auto threshold = thresholds_.find(event.currency());
  return threshold != thresholds_.end() &&
         event.amount_minor() >= threshold->second;
}

void NewBeneficiaryDetector::EntityHints(const sdk::Event& event,
                                         sdk::Hints& hints) const {
  if (event.account_id().empty() || event.counterparty().empty()) return;
  const bool reads = event.type() == RF_EVENT_PROFILE_CHANGE
                         ? WatchedChange(event)
                         : types_.Contains(event.type()) && LargePayout(event);
  if (reads) hints.Add(BeneficiaryKey(event.account_id(), event.counterparty()));
}

sdk::Status NewBeneficiaryDetector::OnEvent(sdk::Context& ctx,
                                            const sdk::Event& event) {
  // Without both ends there is no beneficiary to link a payout to.
  if (event.account_id().empty() || event.counterparty().empty()) {
    return sdk::Status::Ok();
  }
  if (event.type() == RF_EVENT_PROFILE_CHANGE) {
    OnProfileChange(ctx, event);
  } else if (types_.Contains(event.type())) {
    OnPayout(ctx, event);
  }
  return ctx.status();
}

void NewBeneficiaryDetector::OnProfileChange(sdk::Context& ctx,
                                             const sdk::Event& event) {
  if (!WatchedChange(event)) return;
  const std::string key =
      BeneficiaryKey(event.account_id(), event.counterparty());
  // The latest change wins: re-pointing a known beneficiary at new bank
  // details is as risky as adding a fresh one, so it restarts the window.
  // A change arriving late must not move the window back in time.
  std::optional<sdk::Context::LastValue> stored = ctx.GetLast(changes_, key);
  if (stored.has_value() && stored->event_time_ms > event.event_time_ms()) {
    return;
  }
  ctx.PutLast(changes_, key, event.event_id());
}

void NewBeneficiaryDetector::OnPayout(sdk::Context& ctx,
                                      const sdk::Event& event) {
  if (!LargePayout(event)) return;
  auto threshold = thresholds_.find(event.currency());
  std::optional<sdk::Context::LastValue> change = ctx.GetLast(
      changes_, BeneficiaryKey(event.account_id(), event.counterparty()));
  if (!change.has_value()) return;
  // The change must lie in the payout's window (t - window, t]
  // (docs/windows.md). A payout older than the change (a late event) went
  // to the beneficiary as it was before the change, so it is not a payout
  // to a new one.
  if (!sdk::InWindow(event.event_time_ms(), change->event_time_ms,
                     window_ms_)) {
    return;
  }
  const int64_t since_ms = event.event_time_ms() - change->event_time_ms;

  const std::string amount = std::to_string(event.amount_minor());
  const std::string minutes = std::to_string(since_ms / kMinuteMs);
  sdk::Annotation a;
  // Nearly always a review: the pattern is strong but a customer paying a
  // new supplier looks the same.
  a.score = 0.8;
  a.reason_code = "NEW_BENEFICIARY_LARGE_PAYOUT";
  a.message = "payout of " + amount + " " + std::string(event.currency()) +
              " (minor units) to " + std::string(event.counterparty()) + " " +
              minutes + " min after it was added as a beneficiary";
  a.evidence = {{"profile_change_event_id", std::string(change->value)},
                {"minutes_since_change", minutes},
                {"amount_minor", amount},
                {"threshold_minor", std::to_string(threshold->second)},
                {"currency", std::string(event.currency())}};
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
}

}  // namespace new_beneficiary
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::new_beneficiary::NewBeneficiaryDetector,
                  "new_beneficiary", "1.0.1",
                  "A large payout to a beneficiary added or changed shortly "
                  "before.",
                  riskflow::new_beneficiary::NewBeneficiaryParams)
