#include "plugins/sudden_outflow/sudden_outflow_detector.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace sudden_outflow {
namespace {

constexpr int64_t kDayMs = 86400 * 1000;
// The short window is kept in this many buckets (1m buckets for 1h).
constexpr int64_t kShortBuckets = 60;

std::string Fixed2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

// Shortest form of a parameter, as configured ("5", "2.5").
std::string Short(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

bool IsInflow(rf_event_type t) {
  return t == RF_EVENT_DEPOSIT || t == RF_EVENT_REFUND;
}

// Whether `amount` is under the floor listed for `currency` (no floor for a
// currency not listed).
bool UnderFloor(const sdk::MinorThresholds& floors, std::string_view currency,
                int64_t amount) {
  auto it = floors.find(currency);
  return it != floors.end() && amount < it->second;
}

}  // namespace

std::string EncodeBalance(const Balance& b) {
  char buf[128];
  std::snprintf(
      buf, sizeof(buf), "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64,
      b.snapshot_minor, b.snapshot_time_ms, b.inflow_minor, b.outflow_minor);
  return buf;
}

std::optional<Balance> DecodeBalance(std::string_view bytes) {
  const std::string s(bytes);
  Balance b;
  int consumed = 0;
  if (std::sscanf(s.c_str(),
                  "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 "%n",
                  &b.snapshot_minor, &b.snapshot_time_ms, &b.inflow_minor,
                  &b.outflow_minor, &consumed) != 4 ||
      static_cast<size_t>(consumed) != s.size()) {
    return std::nullopt;
  }
  return b;
}

const std::vector<rf_param_spec>& SuddenOutflowParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::Param("types", RF_PARAM_LIST, "PAYMENT,PAYOUT,TRANSFER",
                 "Event types counted as outgoing money."),
      sdk::WithRange(sdk::Param("window", RF_PARAM_DURATION, "1h",
                                "The short window whose outflow is judged."),
                     60 * 1000, kDayMs),
      sdk::WithRange(
          sdk::Param("history", RF_PARAM_DURATION, "30d",
                     "How far back the daily average reaches; whole days."),
          2 * kDayMs, 365 * kDayMs),
      sdk::WithRange(
          sdk::Param("multiple", RF_PARAM_DOUBLE, "5",
                     "Window outflow above this many daily averages is "
                     "annotated."),
          1, 1e6),
      sdk::WithRange(
          sdk::Param("min_history_days", RF_PARAM_INT, "7",
                     "Days since the first outflow (per currency) before the "
                     "history rule applies."),
          0, 365),
      sdk::WithRange(
          sdk::Param("balance_percent", RF_PARAM_DOUBLE, "80",
                     "Window outflow above this percentage of the known "
                     "balance is annotated."),
          1, 1000),
      sdk::Param("min_amount", RF_PARAM_LIST, nullptr,
                 "Absolute floor of the history rule: CUR:minor_units items; "
                 "a window outflow under this (in its currency) is never "
                 "judged against the daily average. Currencies not listed "
                 "have no floor."),
      sdk::Param("balance_min_amount", RF_PARAM_LIST, nullptr,
                 "Absolute floor of the balance rule: CUR:minor_units items; "
                 "an outflow under this (in its currency) is never judged "
                 "against the balance. Currencies not listed have no floor."),
  };
  return kParams;
}

sdk::Status SuddenOutflowDetector::Init(sdk::InitContext& ctx,
                                        const sdk::Params& params) {
  sdk::Status s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  window_ms_ = params.DurationMs("window");
  history_ms_ = params.DurationMs("history");
  multiple_ = params.Double("multiple");
  min_history_days_ = params.Int("min_history_days");
  balance_percent_ = params.Double("balance_percent");
  // The average divides by days and the state buckets are days, so a
  // fractional day would be silently rounded one way or the other.
  if (history_ms_ % kDayMs != 0) {
    return sdk::Status::Error(
        "parameter 'history': " + sdk::FormatDurationMs(history_ms_) +
        " is not a whole number of days");
  }
  history_days_ = history_ms_ / kDayMs;
  for (auto [name, floors] : {std::make_pair("min_amount", &min_amount_),
                              std::make_pair("balance_min_amount",
                                             &balance_min_amount_)}) {
    if (!params.Has(name)) continue;
    std::string error;
    if (!sdk::ParseMinorThresholds(name, params.List(name), floors, &error)) {
      return sdk::Status::Error(error);
    }
  }
  s = ctx.DeclareSum("short_sum", window_ms_, window_ms_ / kShortBuckets,
                     &short_sum_);
  if (!s.ok()) return s;
  s = ctx.DeclareSum("daily_sum", history_ms_, kDayMs, &daily_sum_);
  if (!s.ok()) return s;
  s = ctx.DeclareLastSeen("first_seen", &first_seen_);
  if (!s.ok()) return s;
  return ctx.DeclareLastSeen("balance", &balance_);
}

std::string SuddenOutflowDetector::KeyFor(const sdk::Event& event) const {
  // Amounts without a currency cannot be compared with anything.
  if (event.account_id().empty() || event.currency().empty()) {
    return std::string();
  }
  if (!types_.Contains(event.type()) &&
      event.type() != RF_EVENT_BALANCE_SNAPSHOT && !IsInflow(event.type())) {
    return std::string();
  }
  return std::string(event.account_id()) + "|" + std::string(event.currency());
}

void SuddenOutflowDetector::EntityHints(const sdk::Event& event,
                                        sdk::Hints& hints) const {
  const std::string key = KeyFor(event);
  if (!key.empty()) hints.Add(key);
}

sdk::Status SuddenOutflowDetector::OnEvent(sdk::Context& ctx,
                                           const sdk::Event& event) {
  const std::string key = KeyFor(event);
  if (key.empty()) return sdk::Status::Ok();
  if (types_.Contains(event.type())) {
    const int64_t amount = std::max<int64_t>(0, event.amount_minor());
    ctx.Add(short_sum_, key, amount);
    ctx.Add(daily_sum_, key, amount);
    const int64_t window_sum = ctx.Total(short_sum_, key, window_ms_);
    if (!ctx.ok()) return ctx.status();
    CheckHistory(ctx, event, key, window_sum);
    CheckBalance(ctx, event, key, window_sum);
  } else if (event.type() == RF_EVENT_BALANCE_SNAPSHOT) {
    OnSnapshot(ctx, event, key);
  } else if (IsInflow(event.type())) {
    OnInflow(ctx, event, key);
  }
  return ctx.status();
}

void SuddenOutflowDetector::OnSnapshot(sdk::Context& ctx,
                                       const sdk::Event& event,
                                       const std::string& key) {
  std::optional<sdk::Context::LastValue> last = ctx.GetLast(balance_, key);
  std::optional<Balance> known;
  if (last.has_value()) known = DecodeBalance(last->value);
  // A late snapshot must not replace a newer one.
  if (known.has_value() && known->snapshot_time_ms > event.event_time_ms()) {
    return;
  }
  Balance b;
  b.snapshot_minor = event.amount_minor();
  b.snapshot_time_ms = event.event_time_ms();
  ctx.PutLast(balance_, key, EncodeBalance(b));
}

void SuddenOutflowDetector::OnInflow(sdk::Context& ctx, const sdk::Event& event,
                                     const std::string& key) {
  std::optional<sdk::Context::LastValue> last = ctx.GetLast(balance_, key);
  if (!last.has_value()) return;
  std::optional<Balance> b = DecodeBalance(last->value);
  // Inflows before the snapshot are already in it.
  if (!b.has_value() || b->snapshot_time_ms > event.event_time_ms()) return;
  b->inflow_minor += std::max<int64_t>(0, event.amount_minor());
  ctx.PutLast(balance_, key, EncodeBalance(*b));
}

void SuddenOutflowDetector::CheckHistory(sdk::Context& ctx,
                                         const sdk::Event& event,
                                         const std::string& key,
                                         int64_t window_sum) {
  const int64_t now = event.event_time_ms();
  std::optional<sdk::Context::LastValue> first = ctx.GetLast(first_seen_, key);
  if (!ctx.ok()) return;
  if (!first.has_value()) {
    // The first outflow in this currency starts the history; it has
    // nothing to be compared with.
    ctx.PutLast(first_seen_, key, event.event_id());
    return;
  }
  if (first->event_time_ms > now) return;  // late, older than the history
  const int64_t age_days = (now - first->event_time_ms) / kDayMs;
  // The history before the short window: every day bucket the history
  // window covers, minus what the short window holds (it lies inside).
  const int64_t daily = ctx.Total(daily_sum_, key, history_ms_);
  if (!ctx.ok()) return;
  const int64_t baseline = std::max<int64_t>(0, daily - window_sum);
  if (baseline == 0) {
    // Nothing left the account in the whole history window: a dormant
    // account starts a new history rather than comparing against zero.
    if (age_days >= min_history_days_) {
      ctx.PutLast(first_seen_, key, event.event_id());
    }
    return;
  }
  if (age_days < min_history_days_) return;
  // The absolute floor: 172 CNY against 25 CNY a day is a large ratio of
  // nothing. The sums above are kept either way.
  if (UnderFloor(min_amount_, event.currency(), window_sum)) return;
  // A young account's history is its age, not the full history window.
  const int64_t days = std::min(history_days_, std::max<int64_t>(1, age_days));
  // window_sum > multiple * baseline / days, without rounding the average.
  const double ratio = static_cast<double>(window_sum) *
                       static_cast<double>(days) /
                       static_cast<double>(baseline);
  if (ratio <= multiple_) return;

  const int64_t average = baseline / days;
  const std::string currency(event.currency());
  sdk::Annotation a;
  a.score = std::min(1.0, ratio / (2 * multiple_));
  a.reason_code = "OUTFLOW_VS_HISTORY";
  a.message = std::to_string(window_sum) + " " + currency + " (minor) out in " +
              sdk::FormatDurationMs(window_ms_) + ", " + Fixed2(ratio) +
              "x the daily average of " + std::to_string(average) + " over " +
              std::to_string(days) + "d (limit " + Short(multiple_) + "x)";
  a.evidence = {{"currency", currency},
                {"window_sum_minor", std::to_string(window_sum)},
                {"window_ms", std::to_string(window_ms_)},
                {"daily_average_minor", std::to_string(average)},
                {"history_days", std::to_string(days)},
                {"multiple", Fixed2(ratio)},
                {"limit_multiple", Short(multiple_)}};
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
}

void SuddenOutflowDetector::CheckBalance(sdk::Context& ctx,
                                         const sdk::Event& event,
                                         const std::string& key,
                                         int64_t window_sum) {
  std::optional<sdk::Context::LastValue> last = ctx.GetLast(balance_, key);
  if (!last.has_value()) return;
  std::optional<Balance> b = DecodeBalance(last->value);
  // An outflow older than the snapshot is already in it.
  if (!b.has_value() || b->snapshot_time_ms > event.event_time_ms()) return;
  b->outflow_minor += std::max<int64_t>(0, event.amount_minor());
  ctx.PutLast(balance_, key, EncodeBalance(*b));

  // Both sums end now, so the smaller is the outflow inside the window and
  // after the snapshot; what left before the window lowered the balance.
  const int64_t outflow = std::min(window_sum, b->outflow_minor);
  const int64_t balance =
      b->snapshot_minor + b->inflow_minor - (b->outflow_minor - outflow);
  // Non-positive: the snapshot is stale or flows are missing; no judgement.
  if (balance <= 0) return;
  if (UnderFloor(balance_min_amount_, event.currency(), outflow)) return;
  const double percent =
      100.0 * static_cast<double>(outflow) / static_cast<double>(balance);
  if (percent <= balance_percent_) return;

  const std::string currency(event.currency());
  sdk::Annotation a;
  a.score = std::min(1.0, percent / 100.0);
  a.reason_code = "OUTFLOW_VS_BALANCE";
  a.message = std::to_string(outflow) + " " + currency + " (minor) out in " +
              sdk::FormatDurationMs(window_ms_) + ", " + Fixed2(percent) +
              "% of the known balance of " + std::to_string(balance) +
              " (limit " + Short(balance_percent_) + "%)";
  a.evidence = {{"currency", currency},
                {"window_sum_minor", std::to_string(window_sum)},
                {"outflow_minor", std::to_string(outflow)},
                {"balance_minor", std::to_string(balance)},
                {"percent", Fixed2(percent)},
                {"limit_percent", Short(balance_percent_)},
                {"balance_time_ms", std::to_string(b->snapshot_time_ms)}};
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
}

}  // namespace sudden_outflow
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::sudden_outflow::SuddenOutflowDetector,
                  "sudden_outflow", "1.1.0",
                  "Outflow in a short window far above the account's daily "
                  "history or most of its known balance.",
                  riskflow::sudden_outflow::SuddenOutflowParams)
