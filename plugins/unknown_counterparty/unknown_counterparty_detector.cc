#include "plugins/unknown_counterparty/unknown_counterparty_detector.h"

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
  // 1-day buckets: "seen in the last 180 days" needs no finer resolution,
  // and it keeps at most ~181 buckets per account.
  return ctx.DeclareDistinct("counterparties", memory_ms_, kDayMs, &known_);
}

sdk::Status UnknownCounterpartyDetector::OnEvent(sdk::Context& ctx,
                                                 const sdk::Event& event) {
  const bool check = checked_.Contains(event.type());
  const bool learn = check || learned_.Contains(event.type());
  if (!learn || event.account_id().empty() || event.counterparty().empty()) {
    return sdk::Status::Ok();
  }
  const std::string_view account = event.account_id();
  if (check && !ctx.ContainsDistinct(known_, account, event.counterparty(),
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
                  "unknown_counterparty", "1.0.0",
                  "A debit to a counterparty the account has not dealt with "
                  "recently.",
                  riskflow::unknown_counterparty::UnknownCounterpartyParams)
