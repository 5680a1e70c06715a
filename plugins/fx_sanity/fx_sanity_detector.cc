#include "plugins/fx_sanity/fx_sanity_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "plugins/sdk/currency_units.h"

namespace riskflow {
namespace fx_sanity {
namespace {

// A deviation within this many percentage points of the limit counts as at
// the limit: 724.20 CNY for 100 USD against 7.10 is exactly 2% on paper but
// 2.0000000000000018 in doubles, and must not fire at a 2% limit.
constexpr double kEpsilonPercent = 1e-9;
// Bounds the set of pair names remembered for logging.
constexpr size_t kMaxLoggedPairs = 64;

}  // namespace

const std::vector<rf_param_spec>& FxSanityParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::RequiredParam(
          "rates", RF_PARAM_LIST,
          "Reference rates, SRC/DST:rate items meaning DST units per 1 SRC, "
          "e.g. \"USD/CNY:7.10,EUR/CNY:7.80\". A pair whose inverse is "
          "listed is checked against 1/rate when derive_inverse is true; "
          "other pairs are skipped."),
      sdk::WithRange(
          sdk::Param("max_deviation_percent", RF_PARAM_DOUBLE, "2",
                     "Largest accepted distance of the effective rate from "
                     "the reference, in percent of the reference; strictly "
                     "more fires."),
          0, 1000),
      sdk::Param("types", RF_PARAM_LIST, "PAYOUT", "Event types checked."),
      sdk::Param("derive_inverse", RF_PARAM_BOOL, "true",
                 "Check DST/SRC against 1/rate when only SRC/DST is listed "
                 "(a listed DST/SRC always wins)."),
      sdk::Param("min_amount", RF_PARAM_LIST, nullptr,
                 "Absolute floor: CUR:minor_units items; a payout of less "
                 "than this in its (paid-out) currency is not checked, "
                 "where minor-unit rounding alone moves the rate. Currencies "
                 "not listed have no floor."),
  };
  return kParams;
}

sdk::Status ParseRates(const std::vector<std::string>& items,
                       std::map<std::string, double, std::less<>>* out) {
  const std::string where = "parameter 'rates': ";
  std::map<std::string, double, std::less<>> parsed;
  for (const std::string& item : items) {
    const size_t colon = item.find(':');
    const std::string pair = item.substr(0, colon);
    const std::string number =
        colon == std::string::npos ? "" : item.substr(colon + 1);
    char* end = nullptr;
    const double rate = number.empty() ? 0 : std::strtod(number.c_str(), &end);
    const bool pair_ok = pair.size() == 7 && pair[3] == '/' &&
                         sdk::IsCurrencyCode(std::string_view(pair).substr(0, 3)) &&
                         sdk::IsCurrencyCode(std::string_view(pair).substr(4));
    if (!pair_ok || number.empty() || end == nullptr || *end != '\0' ||
        !std::isfinite(rate) || rate <= 0) {
      return sdk::Status::Error(
          where + "item '" + item +
          "' is not SRC/DST:rate with 3-letter upper-case currencies and a "
          "positive number (e.g. USD/CNY:7.10)");
    }
    if (pair.compare(0, 3, pair, 4, 3) == 0) {
      return sdk::Status::Error(where + "item '" + item +
                                "' converts a currency into itself");
    }
    if (!parsed.emplace(pair, rate).second) {
      return sdk::Status::Error(where + "pair " + pair + " is listed twice");
    }
  }
  if (parsed.empty()) {
    return sdk::Status::Error(where + "needs at least one SRC/DST:rate item");
  }
  *out = std::move(parsed);
  return sdk::Status::Ok();
}

std::string FormatDecimal(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  std::string text(buf);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

sdk::Status FxSanityDetector::Init(sdk::InitContext& /*ctx*/,
                                   const sdk::Params& params) {
  sdk::Status s = ParseRates(params.List("rates"), &rates_);
  if (!s.ok()) return s;
  max_deviation_percent_ = params.Double("max_deviation_percent");
  derive_inverse_ = params.Bool("derive_inverse");
  if (params.Has("min_amount")) {
    std::string error;
    if (!sdk::ParseMinorThresholds("min_amount", params.List("min_amount"),
                                   &min_amount_, &error)) {
      return sdk::Status::Error(error);
    }
  }
  return sdk::ParseEventTypes(params, "types", &types_);
}

sdk::Status FxSanityDetector::OnEvent(sdk::Context& ctx,
                                      const sdk::Event& event) {
  if (!types_.Contains(event.type())) return sdk::Status::Ok();
  // Not an FX payout (or nothing charged to compare with): no rate exists.
  // A zero source amount is proto3's "not set", so it cannot be told apart
  // from a free payout and is skipped rather than guessed at.
  if (event.source_currency().empty() || event.currency().empty() ||
      event.source_currency() == event.currency() ||
      event.source_amount_minor() <= 0) {
    return sdk::Status::Ok();
  }
  // The floor: on a tiny payout one minor unit of rounding is a large
  // share of the rate (1 CNY for 0.14 USD is 7.14 or 6.67 per USD).
  auto floor = min_amount_.find(event.currency());
  if (floor != min_amount_.end() && event.amount_minor() < floor->second) {
    return sdk::Status::Ok();
  }
  const std::string pair = std::string(event.source_currency()) + "/" +
                           std::string(event.currency());
  double reference = 0;
  std::string inverse_of;
  auto it = rates_.find(pair);
  if (it != rates_.end()) {
    reference = it->second;
  } else {
    const std::string inverse = std::string(event.currency()) + "/" +
                                std::string(event.source_currency());
    auto inv = derive_inverse_ ? rates_.find(inverse) : rates_.end();
    if (inv == rates_.end()) {
      NoteMissingPair(ctx, pair);
      return sdk::Status::Ok();
    }
    // Exactly 1/rate, unrounded: USD/CNY 7.10 gives CNY/USD 0.140845...
    reference = 1.0 / inv->second;
    inverse_of = inverse;
  }
  // Major units on both sides, so a JPY (0 decimals) to USD (2 decimals)
  // payout compares with a rate quoted per yen, not per minor unit.
  const double effective =
      sdk::ToMajorUnits(event.amount_minor(), event.currency()) /
      sdk::ToMajorUnits(event.source_amount_minor(), event.source_currency());
  const double deviation = std::fabs(effective - reference) / reference * 100.0;
  if (deviation <= max_deviation_percent_ + kEpsilonPercent) {
    return sdk::Status::Ok();
  }

  const std::string effective_text = FormatDecimal(effective, 6);
  const std::string reference_text = FormatDecimal(reference, 6);
  const std::string deviation_text = FormatDecimal(deviation, 4);
  sdk::Annotation a;
  // 0.5 just past the limit, 1.0 from twice the limit: a wider gap is less
  // likely to be an honest spread.
  a.score = max_deviation_percent_ <= 0
                ? 1.0
                : std::min(1.0, deviation / (2.0 * max_deviation_percent_));
  a.reason_code = "FX_RATE_DEVIATION";
  a.message = "effective " + pair + " rate " + effective_text + " deviates " +
              deviation_text + "% from the reference " + reference_text +
              " (limit " + FormatDecimal(max_deviation_percent_, 4) + "%)";
  a.evidence = {{"effective_rate", effective_text},
                {"reference_rate", reference_text},
                {"deviation_percent", deviation_text},
                {"pair", pair}};
  if (!inverse_of.empty()) a.evidence.push_back({"inverse_of", inverse_of});
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
  return ctx.status();
}

void FxSanityDetector::NoteMissingPair(sdk::Context& ctx,
                                       const std::string& pair) {
  if (logged_missing_.size() >= kMaxLoggedPairs ||
      !logged_missing_.insert(pair).second) {
    return;
  }
  ctx.Log(RF_LOG_INFO, "fx_sanity: no reference rate for " + pair +
                           "; payouts in this pair are not checked");
}

}  // namespace fx_sanity
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::fx_sanity::FxSanityDetector, "fx_sanity", "1.1.0",
                  "An FX payout whose effective rate is far from the "
                  "reference rate.",
                  riskflow::fx_sanity::FxSanityParams)
