#include "plugins/unknown_counterparty/unknown_counterparty_detector.h"

#include <optional>
#include <string>

namespace riskflow {
namespace unknown_counterparty {
namespace {

constexpr int64_t kDayMs = 86400 * 1000;

}  // namespace

const std::vector<rf_param_spec>& UnknownCounterpartyParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::Param("types", RF_PARAM_LIST, "PAYMENT",
                 "Debit types checked against the known counterparties. "
                 "They always teach too, so only the first debit to a new "
                 "counterparty fires."),
      sdk::Param("learn_types", RF_PARAM_LIST,
                 "PAYMENT,PAYOUT,TRANSFER,DEPOSIT,REFUND",
                 "Event types whose counterparty becomes known to the "
                 "account (debits and credits alike)."),
      sdk::WithRange(
          sdk::Param("memory", RF_PARAM_DURATION, "180d",
                     "How long a counterparty stays known after it was last "
                     "seen, at 1-day granularity."),
          kDayMs, 730 * kDayMs),
      sdk::WithRange(
          sdk::Param("min_known", RF_PARAM_INT, "1",
                     "Known counterparties an account needs before an "
                     "unknown one fires; below it the account has too "
                     "little history to call anything unusual."),
          1, 1e6),
      sdk::WithRange(
          sdk::Param("travel_grace", RF_PARAM_DURATION, "0",
                     "0 = off. Otherwise a debit in a country the account "
                     "started using (any event with that country) less than "
                     "this long ago, later than its first event, is not "
                     "flagged: abroad every shop is new, and the new place "
                     "is impossible_travel's NEW_COUNTRY."),
          0, 365 * kDayMs),
  };
  return kParams;
}

sdk::Status UnknownCounterpartyDetector::Init(sdk::InitContext& ctx,
                                              const sdk::Params& params) {
  sdk::Status s = sdk::ParseEventTypes(params, "types", &checked_);
  if (!s.ok()) return s;
  s = sdk::ParseEventTypes(params, "learn_types", &learned_);
  if (!s.ok()) return s;
  memory_ms_ = params.DurationMs("memory");
  min_known_ = params.Int("min_known");
  travel_grace_ms_ = params.DurationMs("travel_grace");
  if (travel_grace_ms_ > 0) {
    // Only with the grace on, so 1.0's state layout is unchanged without.
    s = ctx.DeclareLastSeen("account_since", &account_since_);
    if (!s.ok()) return s;
    s = ctx.DeclareLastSeen("country_since", &country_since_);
    if (!s.ok()) return s;
  }
  // 1-day buckets: "seen in the last 180 days" needs no finer resolution,
  // and it keeps at most ~181 buckets per account.
  return ctx.DeclareDistinct("counterparties", memory_ms_, kDayMs, &known_);
}

std::string UnknownCounterpartyDetector::CountryKey(
    const sdk::Event& event) const {
  if (travel_grace_ms_ == 0 || event.account_id().empty() ||
      event.country().empty()) {
    return std::string();
  }
  return std::string(event.account_id()) + "|" + std::string(event.country());
}

bool UnknownCounterpartyDetector::Learns(const sdk::Event& event) const {
  const bool learn =
      checked_.Contains(event.type()) || learned_.Contains(event.type());
  return learn && !event.account_id().empty() && !event.counterparty().empty();
}

void UnknownCounterpartyDetector::EntityHints(const sdk::Event& event,
                                              sdk::Hints& hints) const {
  const std::string key = CountryKey(event);
  if (!key.empty() || Learns(event)) hints.Add(event.account_id());
  if (!key.empty()) hints.Add(key);
}

bool UnknownCounterpartyDetector::InNewCountry(sdk::Context& ctx,
                                               const sdk::Event& event) {
  const std::string key = CountryKey(event);
  if (key.empty()) return false;
  const std::string_view account = event.account_id();
  std::optional<sdk::Context::LastValue> since_account =
      ctx.GetLast(account_since_, account);
  if (!since_account.has_value()) {
    // The account's first event: its country is where it lives.
    ctx.PutLast(account_since_, account, event.country());
    ctx.PutLast(country_since_, key, "");
    return false;
  }
  const int64_t account_ms = since_account->event_time_ms;
  std::optional<sdk::Context::LastValue> since_country =
      ctx.GetLast(country_since_, key);
  if (!ctx.ok()) return false;
  const int64_t now = event.event_time_ms();
  int64_t country_ms = now;
  if (since_country.has_value()) {
    country_ms = since_country->event_time_ms;
  } else {
    ctx.PutLast(country_since_, key, "");
  }
  return country_ms > account_ms && now - country_ms < travel_grace_ms_;
}

sdk::Status UnknownCounterpartyDetector::OnEvent(sdk::Context& ctx,
                                                 const sdk::Event& event) {
  // Every event with a country teaches where the account has been.
  const bool new_country = InNewCountry(ctx, event);
  const bool check = checked_.Contains(event.type());
  if (!Learns(event)) return sdk::Status::Ok();
  const std::string_view account = event.account_id();
  if (check && !new_country &&
      !ctx.ContainsDistinct(known_, account, event.counterparty(),
                            memory_ms_)) {
    const int64_t known = ctx.CountDistinct(known_, account, memory_ms_);
    if (ctx.ok() && known >= min_known_) {
      const std::string amount = std::to_string(event.amount_minor());
      sdk::Annotation a;
      // A new payee is common and usually fine: a nudge, not a verdict.
      a.score = 0.4;
      a.reason_code = "UNKNOWN_COUNTERPARTY_DEBIT";
      a.message = "debit of " + amount + " " + std::string(event.currency()) +
                  " (minor units) to " + std::string(event.counterparty()) +
                  ", not among the account's " + std::to_string(known) +
                  " known counterparties";
      a.evidence = {{"counterparty", std::string(event.counterparty())},
                    {"known_counterparties", std::to_string(known)},
                    {"amount_minor", amount},
                    {"currency", std::string(event.currency())}};
      a.route_hint = RF_ROUTE_NOTIFY;
      ctx.Annotate(a);
    }
  }
  // After the check, so the event never vouches for itself.
  ctx.AddDistinct(known_, account, event.counterparty());
  return ctx.status();
}

}  // namespace unknown_counterparty
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::unknown_counterparty::UnknownCounterpartyDetector,
                  "unknown_counterparty", "1.1.0",
                  "A debit to a counterparty the account has not dealt with "
                  "recently.",
                  riskflow::unknown_counterparty::UnknownCounterpartyParams)
