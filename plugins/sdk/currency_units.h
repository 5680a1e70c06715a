// currency_units.h — ISO-4217 minor-unit exponents and simple rate tables,
// for detectors that compare amounts across currencies (std-only).
//
// Amounts travel in minor units (fen, cents, yen), so converting needs the
// exponent: 100.00 USD is 10000 minor units, 100 JPY is 100.
#ifndef RISKFLOW_PLUGINS_SDK_CURRENCY_UNITS_H_
#define RISKFLOW_PLUGINS_SDK_CURRENCY_UNITS_H_

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace riskflow {
namespace sdk {

// Three upper-case ASCII letters (the shape of an ISO-4217 code).
inline bool IsCurrencyCode(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) {
           return c >= 'A' && c <= 'Z';
         });
}

// Per-currency amounts in minor units, keyed by code.
using MinorThresholds = std::map<std::string, int64_t, std::less<>>;

// Parses "CNY:10000000,USD:1500000" (items already split by Params::List)
// into currency -> strictly positive minor units (a threshold of 0 would
// flag every event). Malformed items, repeats and an empty list are refused
// with *error naming the parameter `param`.
inline bool ParseMinorThresholds(const char* param,
                                 const std::vector<std::string>& items,
                                 MinorThresholds* out, std::string* error) {
  const std::string where = std::string("parameter '") + param + "': ";
  MinorThresholds parsed;
  for (const std::string& item : items) {
    const size_t colon = item.find(':');
    const std::string_view cur = std::string_view(item).substr(0, colon);
    const std::string_view digits =
        colon == std::string::npos ? std::string_view()
                                   : std::string_view(item).substr(colon + 1);
    int64_t minor = 0;
    bool ok = colon != std::string::npos && IsCurrencyCode(cur) &&
              !digits.empty() &&
              std::all_of(digits.begin(), digits.end(),
                          [](char c) { return c >= '0' && c <= '9'; });
    if (ok) {
      auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), minor);
      ok = ec == std::errc() && ptr == digits.data() + digits.size() &&
           minor > 0;
    }
    if (!ok) {
      *error = where + "item '" + item +
               "' is not CUR:minor_units with a 3-letter upper-case currency "
               "and a positive integer (e.g. USD:1500000)";
      return false;
    }
    if (!parsed.emplace(std::string(cur), minor).second) {
      *error = where + "currency " + std::string(cur) + " is listed twice";
      return false;
    }
  }
  if (parsed.empty()) {
    *error = where + "needs at least one CUR:minor_units item";
    return false;
  }
  *out = std::move(parsed);
  return true;
}

// Digits after the decimal point in the currency's minor unit.
inline int MinorUnitExponent(std::string_view currency) {
  static const std::pair<const char*, int> kExceptions[] = {
      {"BHD", 3}, {"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0},
      {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0},
      {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"PYG", 0},
      {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"VND", 0},
      {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
  };
  for (const auto& [code, exp] : kExceptions) {
    if (currency == code) return exp;
  }
  return 2;
}

// Minor units -> major units as a double (for rates and ratios only; never
// for bookkeeping).
inline double ToMajorUnits(int64_t minor, std::string_view currency) {
  return static_cast<double>(minor) /
         std::pow(10.0, MinorUnitExponent(currency));
}

// Parses "CUR:number,CUR:number" (e.g. rates "USD:7.10,EUR:7.85" or
// thresholds "CNY:10000000"). Returns false with *error naming the bad item.
inline bool ParseCurrencyTable(const std::vector<std::string>& items,
                               std::map<std::string, double>* out,
                               std::string* error) {
  for (const std::string& item : items) {
    size_t colon = item.find(':');
    std::string code = colon == std::string::npos ? "" : item.substr(0, colon);
    std::string number =
        colon == std::string::npos ? "" : item.substr(colon + 1);
    char* end = nullptr;
    double value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
    bool code_ok = code.size() == 3;
    for (char c : code) code_ok = code_ok && c >= 'A' && c <= 'Z';
    if (!code_ok || number.empty() || end == nullptr || *end != '\0' ||
        !std::isfinite(value) || value <= 0) {
      *error = "item '" + item +
               "' is not CUR:positive-number (e.g. USD:7.10)";
      return false;
    }
    (*out)[code] = value;
  }
  return true;
}

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_CURRENCY_UNITS_H_
