#include "plugins/velocity/velocity_limits.h"
#include "plugins/sdk/currency_units.h"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <tuple>

#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace velocity {
namespace {

constexpr int64_t kMaxEventsLimit = 1000000000;

// Splits "a:b:c" at every colon (durations and codes never contain one).
std::vector<std::string_view> SplitColons(std::string_view item) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = item.find(':', start);
    if (colon == std::string_view::npos) {
      parts.push_back(item.substr(start));
      return parts;
    }
    parts.push_back(item.substr(start, colon - start));
    start = colon + 1;
  }
}

// Decimal digits only: a sign or exponent in a limit is a typo, not intent.
bool ParseDigits(std::string_view s, int64_t* out) {
  if (s.empty() || !std::all_of(s.begin(), s.end(),
                                [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Checks one window of an item of `param`. Windows must tile into whole
// buckets so that every window in the list is widened by the same rule (see
// README: the first bucket is counted whole) and limits stay comparable.
sdk::Status CheckWindow(const char* param, const std::string& item,
                        int64_t window_ms, int64_t bucket_ms) {
  const std::string where = std::string("parameter '") + param + "': ";
  if (window_ms < kMinWindowMs || window_ms > kMaxWindowMs) {
    return sdk::Status::Error(where + "window " +
                              sdk::FormatDurationMs(window_ms) + " in item '" +
                              item + "' is out of range [1s, 30d]");
  }
  if (window_ms % bucket_ms != 0) {
    return sdk::Status::Error(
        where + "window " + sdk::FormatDurationMs(window_ms) + " in item '" +
        item + "' is not a multiple of parameter 'bucket' (" +
        sdk::FormatDurationMs(bucket_ms) + ")");
  }
  return sdk::Status::Ok();
}

sdk::Status CheckItemCount(const char* param, size_t n, const char* shape) {
  const std::string where = std::string("parameter '") + param + "': ";
  if (n == 0) {
    return sdk::Status::Error(where + "needs at least one " + shape + " item");
  }
  if (n > kMaxLimitItems) {
    return sdk::Status::Error(where + std::to_string(n) + " items; at most " +
                              std::to_string(kMaxLimitItems) + " are allowed");
  }
  return sdk::Status::Ok();
}

}  // namespace

sdk::Status ParseEntityKey(std::string_view text, EntityKey* out) {
  static const std::pair<const char*, EntityKey> kKeys[] = {
      {"account", EntityKey::kAccount},
      {"counterparty", EntityKey::kCounterparty},
      {"device", EntityKey::kDevice},
      {"account_counterparty", EntityKey::kAccountCounterparty},
  };
  for (const auto& [name, key] : kKeys) {
    if (text == name) {
      *out = key;
      return sdk::Status::Ok();
    }
  }
  return sdk::Status::Error(
      "parameter 'key': unknown key '" + std::string(text) +
      "'; expected account, counterparty, device or account_counterparty");
}

std::string EntityFor(EntityKey key, const sdk::Event& event) {
  const std::string_view account = event.account_id();
  switch (key) {
    case EntityKey::kAccount:
      // The bare account id, as in 1.0, so counts stored before an upgrade
      // keep counting.
      return std::string(account);
    case EntityKey::kCounterparty:
      // Prefixed so that a detector whose `key` is changed never reads an
      // account's counts as a counterparty's.
      return event.counterparty().empty()
                 ? std::string()
                 : "cp|" + std::string(event.counterparty());
    case EntityKey::kDevice:
      return event.device_id().empty()
                 ? std::string()
                 : "dev|" + std::string(event.device_id());
    case EntityKey::kAccountCounterparty:
      if (account.empty() || event.counterparty().empty()) return "";
      // Length-prefixed account: ("ab","c") and ("a","bc") stay apart.
      return "acp|" + std::to_string(account.size()) + ":" +
             std::string(account) + std::string(event.counterparty());
  }
  return "";
}

std::string SumEntity(std::string_view entity, std::string_view currency) {
  std::string out(entity);
  out += '|';
  out += currency;
  return out;
}

sdk::Status ParseCountWindows(const std::vector<std::string>& items,
                              int64_t bucket_ms, std::vector<CountLimit>* out) {
  const std::string where = "parameter 'windows': ";
  sdk::Status s = CheckItemCount("windows", items.size(), "WINDOW:MAX_EVENTS");
  if (!s.ok()) return s;
  std::vector<CountLimit> parsed;
  for (const std::string& item : items) {
    std::vector<std::string_view> parts = SplitColons(item);
    CountLimit limit;
    if (parts.size() != 2 ||
        !sdk::ParseDurationMs(parts[0], &limit.window_ms) ||
        !ParseDigits(parts[1], &limit.max_events)) {
      return sdk::Status::Error(
          where + "item '" + item +
          "' is not WINDOW:MAX_EVENTS with a duration and an integer "
          "(e.g. 1m:5)");
    }
    s = CheckWindow("windows", item, limit.window_ms, bucket_ms);
    if (!s.ok()) return s;
    if (limit.max_events < 1 || limit.max_events > kMaxEventsLimit) {
      return sdk::Status::Error(
          where + "limit " + std::to_string(limit.max_events) + " in item '" +
          item + "' is out of range [1, 1000000000]");
    }
    for (const CountLimit& other : parsed) {
      if (other.window_ms == limit.window_ms) {
        return sdk::Status::Error(where + "window " +
                                  sdk::FormatDurationMs(limit.window_ms) +
                                  " is listed twice");
      }
    }
    parsed.push_back(limit);
  }
  std::sort(parsed.begin(), parsed.end(),
            [](const CountLimit& a, const CountLimit& b) {
              return a.window_ms < b.window_ms;
            });
  *out = std::move(parsed);
  return sdk::Status::Ok();
}

sdk::Status ParseSumLimits(const std::vector<std::string>& items,
                           int64_t bucket_ms, std::vector<SumLimit>* out) {
  const std::string where = "parameter 'sum_limits': ";
  sdk::Status s =
      CheckItemCount("sum_limits", items.size(), "WINDOW:CUR:LIMIT_MINOR");
  if (!s.ok()) return s;
  std::vector<SumLimit> parsed;
  for (const std::string& item : items) {
    std::vector<std::string_view> parts = SplitColons(item);
    SumLimit limit;
    if (parts.size() != 3 ||
        !sdk::ParseDurationMs(parts[0], &limit.window_ms) ||
        !sdk::IsCurrencyCode(parts[1]) ||
        !ParseDigits(parts[2], &limit.limit_minor) || limit.limit_minor < 1) {
      return sdk::Status::Error(
          where + "item '" + item +
          "' is not WINDOW:CUR:LIMIT_MINOR with a duration, a 3-letter "
          "upper-case currency and a positive integer (e.g. 1h:CNY:5000000)");
    }
    limit.currency = std::string(parts[1]);
    s = CheckWindow("sum_limits", item, limit.window_ms, bucket_ms);
    if (!s.ok()) return s;
    for (const SumLimit& other : parsed) {
      if (other.window_ms == limit.window_ms &&
          other.currency == limit.currency) {
        return sdk::Status::Error(
            where + "window " + sdk::FormatDurationMs(limit.window_ms) +
            " for " + limit.currency + " is listed twice");
      }
    }
    parsed.push_back(std::move(limit));
  }
  std::sort(parsed.begin(), parsed.end(),
            [](const SumLimit& a, const SumLimit& b) {
              return std::tie(a.currency, a.window_ms) <
                     std::tie(b.currency, b.window_ms);
            });
  *out = std::move(parsed);
  return sdk::Status::Ok();
}

}  // namespace velocity
}  // namespace riskflow
