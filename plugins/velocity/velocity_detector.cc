#include "plugins/velocity/velocity_detector.h"

#include <algorithm>
#include <string>

#include "plugins/sdk/param_parse.h"

namespace riskflow {
namespace velocity {

namespace {

// True when a / b > c / d (b, d > 0), exactly: sums can be large enough that
// the products overflow int64, and doubles could make a tie look unequal.
bool RatioAbove(int64_t a, int64_t b, int64_t c, int64_t d) {
  return static_cast<__int128>(a) * d > static_cast<__int128>(c) * b;
}

// 0.5 just above the limit, 1.0 from twice the limit.
double Score(int64_t value, int64_t limit) {
  return std::min(
      1.0, static_cast<double>(value) / (2.0 * static_cast<double>(limit)));
}

void AppendWindow(int64_t window_ms, std::string* list) {
  if (!list->empty()) *list += ',';
  *list += sdk::FormatDurationMs(window_ms);
}

}  // namespace

const std::vector<rf_param_spec>& VelocityParams() {
  // Appended parameters only: pipelines written for 1.0 keep their meaning.
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("max_events", RF_PARAM_INT, "10",
                     "Most events allowed per account in the window; one "
                     "more is annotated. Ignored when `windows` is given."),
          1, 1e9),
      sdk::WithRange(sdk::Param("window", RF_PARAM_DURATION, "1m",
                                "Length of the sliding event-time window. "
                                "Ignored when `windows` is given."),
                     kMinWindowMs, kMaxWindowMs),
      sdk::WithRange(
          sdk::Param("bucket", RF_PARAM_DURATION, "1s",
                     "Window granularity: the window may reach back up to "
                     "one bucket further than `window`."),
          1, kMaxWindowMs),
      sdk::Param("types", RF_PARAM_LIST, "PAYMENT,PAYOUT,TRANSFER",
                 "Event types counted; others are ignored."),
      sdk::Param("key", RF_PARAM_STRING, "account",
                 "Entity counted per: account, counterparty, device or "
                 "account_counterparty. Counterparty and device are run on "
                 "the shard owning that value, so every key is exact "
                 "whatever the shard count (see README)."),
      sdk::Param("windows", RF_PARAM_LIST, nullptr,
                 "Several count limits, WINDOW:MAX_EVENTS items, e.g. "
                 "\"1m:5,1h:30,24h:100\"; replaces max_events/window. Each "
                 "window a multiple of `bucket`."),
      sdk::Param("sum_limits", RF_PARAM_LIST, nullptr,
                 "Amount limits per window and currency, "
                 "WINDOW:CUR:LIMIT_MINOR items, e.g. "
                 "\"1h:CNY:5000000,24h:CNY:20000000\"; reason "
                 "VELOCITY_AMOUNT."),
  };
  return kParams;
}

sdk::Status VelocityDetector::Init(sdk::InitContext& ctx,
                                   const sdk::Params& params) {
  const int64_t bucket_ms = params.DurationMs("bucket");
  multi_window_ = params.Has("windows");
  if (!multi_window_) {
    const int64_t window_ms = params.DurationMs("window");
    if (bucket_ms > window_ms) {
      return sdk::Status::Error(
          "parameter 'bucket': " + sdk::FormatDurationMs(bucket_ms) +
          " is longer than the window of " + sdk::FormatDurationMs(window_ms));
    }
    counts_ = {CountLimit{window_ms, params.Int("max_events")}};
  }
  sdk::Status s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  s = ParseEntityKey(params.String("key", "account"), &key_);
  if (!s.ok()) return s;
  // Counterparty and device entities span accounts: the host runs this
  // detector on the shard owning the counterparty / device, so their
  // windows see every event (docs/keyed-stages.md). The account-scoped
  // keys stay with the account's shard.
  if (key_ == EntityKey::kCounterparty) {
    s = ctx.PartitionBy(RF_PARTITION_COUNTERPARTY);
  } else if (key_ == EntityKey::kDevice) {
    s = ctx.PartitionBy(RF_PARTITION_DEVICE);
  }
  if (!s.ok()) return s;
  if (multi_window_) {
    s = ParseCountWindows(params.List("windows"), bucket_ms, &counts_);
    if (!s.ok()) return s;
  }
  if (params.Has("sum_limits")) {
    s = ParseSumLimits(params.List("sum_limits"), bucket_ms, &sums_);
    if (!s.ok()) return s;
  }
  // One state per kind, declared for the longest window queried: every
  // shorter window is a sub-range of the same buckets, so adding once per
  // event serves all of them.
  s = ctx.DeclareCounter("events", counts_.back().window_ms, bucket_ms,
                         &events_);
  if (!s.ok() || sums_.empty()) return s;
  int64_t longest_sum_ms = 0;
  for (const SumLimit& l : sums_) {
    longest_sum_ms = std::max(longest_sum_ms, l.window_ms);
  }
  return ctx.DeclareSum("amounts", longest_sum_ms, bucket_ms, &amounts_);
}

sdk::Status VelocityDetector::OnEvent(sdk::Context& ctx,
                                      const sdk::Event& event) {
  if (!types_.Contains(event.type())) return sdk::Status::Ok();
  // An event without the key's field cannot be attributed; counting all of
  // them under one empty key would freeze unrelated traffic.
  const std::string entity = EntityFor(key_, event);
  if (entity.empty()) return sdk::Status::Ok();
  ctx.Add(events_, entity);
  CheckCounts(ctx, entity);
  if (ctx.ok()) CheckSums(ctx, entity, event);
  return ctx.status();
}

void VelocityDetector::CheckCounts(sdk::Context& ctx,
                                   const std::string& entity) {
  const CountLimit* worst = nullptr;
  int64_t worst_count = 0;
  std::string exceeded;
  for (const CountLimit& limit : counts_) {
    const int64_t count = ctx.Total(events_, entity, limit.window_ms);
    if (!ctx.ok()) return;
    if (count <= limit.max_events) continue;
    AppendWindow(limit.window_ms, &exceeded);
    // Strictly above, so on a tie the shorter window (seen first) is
    // reported: the sharper burst is the more telling evidence.
    if (worst == nullptr ||
        RatioAbove(count, limit.max_events, worst_count, worst->max_events)) {
      worst = &limit;
      worst_count = count;
    }
  }
  if (worst == nullptr) return;

  sdk::Annotation a;
  a.score = Score(worst_count, worst->max_events);
  a.reason_code = "VELOCITY";
  a.message = std::to_string(worst_count) + " " + types_.Joined() +
              " events in " + sdk::FormatDurationMs(worst->window_ms) +
              ", above the limit of " + std::to_string(worst->max_events);
  a.evidence = {{"count", std::to_string(worst_count)},
                {"window_ms", std::to_string(worst->window_ms)},
                {"max_events", std::to_string(worst->max_events)}};
  if (multi_window_) a.evidence.emplace_back("exceeded_windows", exceeded);
  a.route_hint = RF_ROUTE_FREEZE;
  ctx.Annotate(a);
}

std::vector<SumLimit>::const_iterator VelocityDetector::SummedBy(
    const sdk::Event& event) const {
  // A zero amount cannot push a sum over a limit; skipping it saves a write.
  if (sums_.empty() || event.amount_minor() <= 0) return sums_.end();
  const std::string_view currency = event.currency();
  // Only currencies with a limit are summed: amounts in different
  // currencies are never added together (no FX guessing).
  return std::find_if(sums_.begin(), sums_.end(), [&](const SumLimit& l) {
    return l.currency == currency;
  });
}

void VelocityDetector::EntityHints(const sdk::Event& event,
                                   sdk::Hints& hints) const {
  if (!types_.Contains(event.type())) return;
  const std::string entity = EntityFor(key_, event);
  if (entity.empty()) return;
  hints.Add(entity);
  if (SummedBy(event) != sums_.end()) {
    hints.Add(SumEntity(entity, event.currency()));
  }
}

void VelocityDetector::CheckSums(sdk::Context& ctx, const std::string& entity,
                                 const sdk::Event& event) {
  const auto first = SummedBy(event);
  if (first == sums_.end()) return;
  const std::string_view currency = event.currency();
  const std::string sum_entity = SumEntity(entity, currency);
  ctx.Add(amounts_, sum_entity, event.amount_minor());

  const SumLimit* worst = nullptr;
  int64_t worst_sum = 0;
  std::string exceeded;
  for (auto it = first; it != sums_.end() && it->currency == currency; ++it) {
    const int64_t sum = ctx.Total(amounts_, sum_entity, it->window_ms);
    if (!ctx.ok()) return;
    if (sum <= it->limit_minor) continue;
    AppendWindow(it->window_ms, &exceeded);
    if (worst == nullptr ||
        RatioAbove(sum, it->limit_minor, worst_sum, worst->limit_minor)) {
      worst = &*it;
      worst_sum = sum;
    }
  }
  if (worst == nullptr) return;

  sdk::Annotation a;
  a.score = Score(worst_sum, worst->limit_minor);
  a.reason_code = "VELOCITY_AMOUNT";
  a.message = types_.Joined() + " events sum to " + std::to_string(worst_sum) +
              " " + worst->currency + " (minor units) in " +
              sdk::FormatDurationMs(worst->window_ms) +
              ", above the limit of " + std::to_string(worst->limit_minor);
  a.evidence = {{"sum_minor", std::to_string(worst_sum)},
                {"currency", worst->currency},
                {"window_ms", std::to_string(worst->window_ms)},
                {"limit_minor", std::to_string(worst->limit_minor)},
                {"exceeded_windows", exceeded}};
  a.route_hint = RF_ROUTE_FREEZE;
  ctx.Annotate(a);
}

}  // namespace velocity
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::velocity::VelocityDetector, "velocity", "1.2.0",
                  "Too many payment events, or too much money, per account (or "
                  "other entity) in sliding windows.",
                  riskflow::velocity::VelocityParams)
