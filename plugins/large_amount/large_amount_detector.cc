#include "plugins/large_amount/large_amount_detector.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <system_error>

namespace riskflow {
namespace large_amount {
const std::vector<rf_param_spec>& LargeAmountParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::RequiredParam(
          "thresholds", RF_PARAM_LIST,
          "Per-currency thresholds in minor units, CUR:amount items, e.g. "
          "\"CNY:10000000,USD:1500000\". Currencies not listed are never "
          "annotated."),
      sdk::Param("types", RF_PARAM_LIST, "PAYOUT", "Event types checked."),
      // Appended: the cross-currency check, off unless all three are given.
      sdk::Param("reference_currency", RF_PARAM_STRING, nullptr,
                 "Currency of reference_threshold_minor, e.g. \"CNY\". "
                 "Events in a currency without its own threshold are "
                 "converted into it with `rates`."),
      sdk::WithRange(
          sdk::Param("reference_threshold_minor", RF_PARAM_INT, nullptr,
                     "Threshold in minor units of reference_currency for "
                     "converted events."),
          1, 1e15),
      sdk::Param("rates", RF_PARAM_LIST, nullptr,
                 "CUR:rate items, reference units per 1 unit of CUR, e.g. "
                 "\"USD:7.10,EUR:7.85\". A currency without a rate (and "
                 "without a threshold) is not checked."),
  };
  return kParams;
}


sdk::Status LargeAmountDetector::Init(sdk::InitContext& /*ctx*/,
                                      const sdk::Params& params) {
  std::string error;
  if (!sdk::ParseMinorThresholds("thresholds", params.List("thresholds"),
                                 &thresholds_, &error)) {
    return sdk::Status::Error(error);
  }
  sdk::Status s;
  if (!s.ok()) return s;
  s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  return ReferenceConversion::FromParams(params, &reference_);
}

sdk::Status LargeAmountDetector::OnEvent(sdk::Context& ctx,
                                         const sdk::Event& event) {
  if (!types_.Contains(event.type())) return sdk::Status::Ok();
  auto it = thresholds_.find(event.currency());
  // A currency's own threshold always wins over the converted comparison:
  // it is the operator's explicit word for that currency.
  if (it == thresholds_.end()) return CheckConverted(ctx, event);
  if (event.amount_minor() < it->second) return sdk::Status::Ok();
  const int64_t threshold = it->second;
  const std::string amount = std::to_string(event.amount_minor());
  const std::string currency(event.currency());

  sdk::Annotation a;
  // 0.5 at the threshold, 1.0 from twice the threshold: bigger is riskier
  // but the route is a review either way.
  a.score = std::min(1.0, static_cast<double>(event.amount_minor()) /
                              (2.0 * static_cast<double>(threshold)));
  a.reason_code = "LARGE_AMOUNT";
  a.message = "amount " + amount + " " + currency +
              " (minor units) is at or above the threshold of " +
              std::to_string(threshold);
  a.evidence = {{"amount_minor", amount},
                {"currency", currency},
                {"threshold_minor", std::to_string(threshold)}};
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
  return ctx.status();
}

sdk::Status LargeAmountDetector::CheckConverted(sdk::Context& ctx,
                                                const sdk::Event& event) {
  if (!reference_.enabled() || event.amount_minor() <= 0) {
    return sdk::Status::Ok();
  }
  std::optional<ReferenceConversion::Converted> converted =
      reference_.Convert(event.amount_minor(), event.currency());
  const int64_t threshold = reference_.threshold_minor();
  if (!converted.has_value() || converted->reference_minor < threshold) {
    return sdk::Status::Ok();
  }
  const std::string amount = std::to_string(event.amount_minor());
  const std::string currency(event.currency());
  const std::string reference = std::to_string(converted->reference_minor);

  sdk::Annotation a;
  a.score = std::min(1.0, static_cast<double>(converted->reference_minor) /
                              (2.0 * static_cast<double>(threshold)));
  a.reason_code = "LARGE_AMOUNT";
  a.message =
      "amount " + amount + " " + currency + " (minor units) is " + reference +
      " " + reference_.currency() + " at rate " + converted->rate_text +
      ", at or above the reference threshold of " + std::to_string(threshold);
  // The 1.0 keys first (threshold_minor is in the reference currency here),
  // then what the conversion used, so an analyst can redo the arithmetic.
  a.evidence = {{"amount_minor", amount},
                {"currency", currency},
                {"threshold_minor", std::to_string(threshold)},
                {"reference_amount_minor", reference},
                {"reference_currency", reference_.currency()},
                {"rate", converted->rate_text}};
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
  return ctx.status();
}

}  // namespace large_amount
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::large_amount::LargeAmountDetector, "large_amount",
                  "1.1.0",
                  "A single event at or above a per-currency amount threshold "
                  "(or a reference threshold after conversion).",
                  riskflow::large_amount::LargeAmountParams)
