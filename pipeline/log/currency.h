#ifndef RISKFLOW_PIPELINE_LOG_CURRENCY_H_
#define RISKFLOW_PIPELINE_LOG_CURRENCY_H_

#include <string_view>

namespace riskflow::log {

// True for active ISO-4217 alphabetic codes (upper case, e.g. "CNY").
bool IsKnownCurrency(std::string_view code);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_CURRENCY_H_
