// velocity_limits.h — the parts of the velocity detector's configuration that
// are more than a single value: the entity key (`key`), several count windows
// (`windows`) and per-currency amount limits (`sum_limits`). Parsed once in
// Init; every error names the parameter. Standard library only (plugin code).
#ifndef RISKFLOW_PLUGINS_VELOCITY_VELOCITY_LIMITS_H_
#define RISKFLOW_PLUGINS_VELOCITY_VELOCITY_LIMITS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace velocity {

// Which event field the counts and sums are kept per.
enum class EntityKey {
  kAccount,              // account_id (the 1.0 behaviour)
  kCounterparty,         // counterparty, across all accounts
  kDevice,               // device_id, across all accounts
  kAccountCounterparty,  // account_id and counterparty together
};

// "account", "counterparty", "device" or "account_counterparty".
sdk::Status ParseEntityKey(std::string_view text, EntityKey* out);

// The state entity for an event, or "" when the event lacks a field the key
// needs (such events are not counted: one shared empty key would lump
// unrelated traffic together).
std::string EntityFor(EntityKey key, const sdk::Event& event);

// The sum entity: entity and currency. The currency is always the last three
// bytes, so no entity text can make two (entity, currency) pairs collide.
std::string SumEntity(std::string_view entity, std::string_view currency);

struct CountLimit {
  int64_t window_ms = 0;
  int64_t max_events = 0;
};

struct SumLimit {
  int64_t window_ms = 0;
  std::string currency;
  int64_t limit_minor = 0;
};

// The range of every window, the same as the `window` parameter's.
inline constexpr int64_t kMinWindowMs = 1000;
inline constexpr int64_t kMaxWindowMs = int64_t{30} * 86400 * 1000;

// More windows mean more state reads per event; the cap keeps a detector
// inside its per-event time budget whatever the config says.
inline constexpr size_t kMaxLimitItems = 16;

// Parses `windows` items "1m:5" (WINDOW:MAX_EVENTS). Each window must lie in
// [1s, 30d] and be a multiple of bucket_ms; max_events in [1, 1e9]; no window
// twice. The result is sorted by window, shortest first.
sdk::Status ParseCountWindows(const std::vector<std::string>& items,
                              int64_t bucket_ms, std::vector<CountLimit>* out);

// Parses `sum_limits` items "1h:CNY:5000000" (WINDOW:CUR:LIMIT_MINOR), with
// the same window rules, a 3-letter upper-case currency and a positive
// integer limit; no (window, currency) twice. Sorted by (currency, window).
sdk::Status ParseSumLimits(const std::vector<std::string>& items,
                           int64_t bucket_ms, std::vector<SumLimit>* out);

}  // namespace velocity
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_VELOCITY_VELOCITY_LIMITS_H_
