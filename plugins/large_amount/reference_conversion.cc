#include "plugins/large_amount/reference_conversion.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <system_error>
#include <vector>

#include "plugins/sdk/currency_units.h"

namespace riskflow {
namespace large_amount {
namespace {

std::string ShortestText(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, ptr) : std::string("?");
}

}  // namespace

sdk::Status ReferenceConversion::FromParams(const sdk::Params& params,
                                            ReferenceConversion* out) {
  const bool has_currency = params.Has("reference_currency");
  const bool has_threshold = params.Has("reference_threshold_minor");
  const bool has_rates = params.Has("rates");
  if (!has_currency && !has_threshold && !has_rates) {
    *out = ReferenceConversion();
    return sdk::Status::Ok();
  }
  // Any one without the others is a half-done config that would silently
  // check less than its author meant.
  if (!has_currency) {
    return sdk::Status::Error(
        std::string("parameter '") +
        (has_threshold ? "reference_threshold_minor" : "rates") +
        "': needs parameter 'reference_currency' (the currency that "
        "reference_threshold_minor is in and rates convert to)");
  }
  if (!has_threshold) {
    return sdk::Status::Error(
        "parameter 'reference_currency': needs parameter "
        "'reference_threshold_minor' (the threshold in minor units of the "
        "reference currency)");
  }
  if (!has_rates) {
    return sdk::Status::Error(
        "parameter 'rates': required with 'reference_currency'; list "
        "CUR:rate items (reference units per 1 unit of CUR), e.g. "
        "USD:7.10,EUR:7.85");
  }
  ReferenceConversion conv;
  conv.currency_ = params.String("reference_currency");
  if (!sdk::IsCurrencyCode(conv.currency_)) {
    return sdk::Status::Error("parameter 'reference_currency': '" +
                              conv.currency_ +
                              "' is not a 3-letter upper-case currency code");
  }
  conv.threshold_minor_ = params.Int("reference_threshold_minor");

  const std::vector<std::string> items = params.List("rates");
  if (items.empty()) {
    return sdk::Status::Error(
        "parameter 'rates': needs at least one CUR:rate item");
  }
  // ParseCurrencyTable keeps the last of a repeated code; a repeat is
  // almost certainly a copy-paste slip, so refuse it instead.
  std::set<std::string> seen;
  for (const std::string& item : items) {
    std::string code = item.substr(0, item.find(':'));
    if (!seen.insert(code).second) {
      return sdk::Status::Error("parameter 'rates': currency " + code +
                                " is listed twice");
    }
  }
  std::map<std::string, double> rates;
  std::string error;
  if (!sdk::ParseCurrencyTable(items, &rates, &error)) {
    return sdk::Status::Error("parameter 'rates': " + error);
  }
  auto self = rates.find(conv.currency_);
  if (self != rates.end() && self->second != 1.0) {
    return sdk::Status::Error("parameter 'rates': the reference currency " +
                              conv.currency_ + " converts at 1, not " +
                              ShortestText(self->second));
  }
  conv.rates_.insert(rates.begin(), rates.end());
  *out = std::move(conv);
  return sdk::Status::Ok();
}

std::optional<ReferenceConversion::Converted> ReferenceConversion::Convert(
    int64_t amount_minor, std::string_view currency) const {
  double rate = 1.0;
  if (currency != currency_) {
    auto it = rates_.find(currency);
    if (it == rates_.end()) return std::nullopt;
    rate = it->second;
  }
  // minor -> major in the event's currency, times the rate, -> minor of the
  // reference. Rounded to the nearest unit: 1000 USD at 7.10 is 7099.999...
  // in binary floating point and must still reach a 710000 fen threshold.
  const double reference = sdk::ToMajorUnits(amount_minor, currency) * rate *
                           std::pow(10.0, sdk::MinorUnitExponent(currency_));
  Converted out;
  out.rate = rate;
  out.rate_text = ShortestText(rate);
  // 2^63 as a double; anything at or above it does not fit an int64.
  constexpr double kTooBig = 9223372036854775808.0;
  out.reference_minor =
      reference >= kTooBig    ? std::numeric_limits<int64_t>::max()
      : reference <= -kTooBig ? std::numeric_limits<int64_t>::min()
                              : std::llround(reference);
  return out;
}

}  // namespace large_amount
}  // namespace riskflow
