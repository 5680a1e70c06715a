// reference_conversion.h — large_amount's cross-currency check: an event in a
// currency without its own threshold is converted into one reference
// currency with a configured rate and compared to one reference threshold.
// A currency without a rate is never converted (rates are not guessed).
// Standard library only (plugin code).
#ifndef RISKFLOW_PLUGINS_LARGE_AMOUNT_REFERENCE_CONVERSION_H_
#define RISKFLOW_PLUGINS_LARGE_AMOUNT_REFERENCE_CONVERSION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace large_amount {

class ReferenceConversion {
 public:
  struct Converted {
    int64_t reference_minor = 0;
    double rate = 0;
    std::string rate_text;  // shortest form that reads back as `rate`
  };

  // Reads reference_currency, reference_threshold_minor and rates together.
  // All absent: disabled (enabled() is false). Otherwise all three must be
  // given; errors name the parameters.
  static sdk::Status FromParams(const sdk::Params& params,
                                ReferenceConversion* out);

  bool enabled() const { return !currency_.empty(); }
  const std::string& currency() const { return currency_; }
  int64_t threshold_minor() const { return threshold_minor_; }

  // amount_minor of `currency` in minor units of the reference currency,
  // rounded to the nearest unit (saturating at INT64_MAX); nullopt when the
  // currency has no rate. The reference currency itself converts at 1.
  std::optional<Converted> Convert(int64_t amount_minor,
                                   std::string_view currency) const;

 private:
  std::string currency_;
  int64_t threshold_minor_ = 0;
  std::map<std::string, double, std::less<>> rates_;
};

}  // namespace large_amount
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_LARGE_AMOUNT_REFERENCE_CONVERSION_H_
