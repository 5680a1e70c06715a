// currency_units.h — ISO-4217 minor-unit exponents and simple rate tables,
// for detectors that compare amounts across currencies (std-only).
//
// Amounts travel in minor units (fen, cents, yen), so converting needs the
// exponent: 100.00 USD is 10000 minor units, 100 JPY is 100.
#ifndef RISKFLOW_PLUGINS_SDK_CURRENCY_UNITS_H_
#define RISKFLOW_PLUGINS_SDK_CURRENCY_UNITS_H_

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace riskflow {
namespace sdk {

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
