#include "plugins/balance_reconciliation/balance_reconciliation_detector.h"

#include <charconv>
#include <system_error>

namespace riskflow {
namespace balance_reconciliation {
namespace {

// int64 differences can overflow (a balance near INT64_MIN against a large
// report), so they are taken in 128 bits and printed by hand.
std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v)
                                 : static_cast<unsigned __int128>(v);
  std::string digits;
  while (u != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + u % 10));
    u /= 10;
  }
  return negative ? "-" + digits : digits;
}

}  // namespace

const std::vector<rf_param_spec>& BalanceReconciliationParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("tolerance_minor", RF_PARAM_INT, "0",
                     "Largest accepted |reported - implied| in minor units; "
                     "strictly more fires."),
          0, 1e15),
      sdk::Param("credit_types", RF_PARAM_LIST, "DEPOSIT,REFUND",
                 "Event types that add amount_minor to the balance in "
                 "`currency`."),
      sdk::Param("debit_types", RF_PARAM_LIST, "PAYMENT,PAYOUT,TRANSFER",
                 "Event types that subtract what the account was charged: "
                 "source_amount_minor in source_currency for FX, else "
                 "amount_minor in currency."),
  };
  return kParams;
}

std::string BalanceKey(std::string_view account, std::string_view currency) {
  std::string key;
  key.reserve(account.size() + 1 + currency.size());
  key.append(account);
  key.push_back('\x1f');
  key.append(currency);
  return key;
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  int64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

sdk::Status BalanceReconciliationDetector::Init(sdk::InitContext& ctx,
                                                const sdk::Params& params) {
  tolerance_minor_ = params.Int("tolerance_minor");
  sdk::Status s = sdk::ParseEventTypes(params, "credit_types", &credits_);
  if (!s.ok()) return s;
  s = sdk::ParseEventTypes(params, "debit_types", &debits_);
  if (!s.ok()) return s;
  for (const std::string& name : debits_.names()) {
    rf_event_type t = sdk::EventTypeFromName(name);
    if (credits_.Contains(t)) {
      return sdk::Status::Error("parameter 'debit_types': " + name +
                                " is also listed in credit_types");
    }
  }
  if (credits_.Contains(RF_EVENT_BALANCE_SNAPSHOT) ||
      debits_.Contains(RF_EVENT_BALANCE_SNAPSHOT)) {
    return sdk::Status::Error(
        std::string("parameter '") +
        (credits_.Contains(RF_EVENT_BALANCE_SNAPSHOT) ? "credit_types"
                                                      : "debit_types") +
        "': BALANCE_SNAPSHOT sets the balance and cannot move it");
  }
  // No TTL on any of them: a dormant account's balance is still its balance
  // when the next snapshot arrives months later.
  if (s = ctx.DeclareLastSeen("implied_balance", &balance_); !s.ok()) return s;
  if (s = ctx.DeclareLastSeen("events_since_snapshot", &since_); !s.ok()) {
    return s;
  }
  return ctx.DeclareLastSeen("base_snapshot", &base_);
}

std::string BalanceReconciliationDetector::KeyFor(
    const sdk::Event& event) const {
  if (event.account_id().empty()) return std::string();
  std::string_view currency;
  if (event.type() == RF_EVENT_BALANCE_SNAPSHOT ||
      credits_.Contains(event.type())) {
    currency = event.currency();
  } else if (debits_.Contains(event.type())) {
    // A debit is what the account was charged: for an FX payout that is
    // the source side; the destination amount leaves in another currency
    // from someone else's balance.
    const bool fx_debit = !event.source_currency().empty() &&
                          event.source_amount_minor() > 0;
    currency = fx_debit ? event.source_currency() : event.currency();
  }
  if (currency.empty()) return std::string();
  return BalanceKey(event.account_id(), currency);
}

void BalanceReconciliationDetector::EntityHints(const sdk::Event& event,
                                                sdk::Hints& hints) const {
  const std::string key = KeyFor(event);
  if (!key.empty()) hints.Add(key);
}

sdk::Status BalanceReconciliationDetector::OnEvent(sdk::Context& ctx,
                                                   const sdk::Event& event) {
  const std::string key = KeyFor(event);
  if (key.empty()) return sdk::Status::Ok();
  if (event.type() == RF_EVENT_BALANCE_SNAPSHOT) {
    OnSnapshot(ctx, event, key);
  } else if (credits_.Contains(event.type())) {
    OnMovement(ctx, event, key, /*credit=*/true);
  } else if (debits_.Contains(event.type())) {
    OnMovement(ctx, event, key, /*credit=*/false);
  }
  return ctx.status();
}

void BalanceReconciliationDetector::OnSnapshot(sdk::Context& ctx,
                                               const sdk::Event& event,
                                               const std::string& key) {
  std::optional<sdk::Context::LastValue> base = ctx.GetLast(base_, key);
  // A snapshot older than the current base is stale: comparing it with a
  // balance that already includes later movements would be a false alarm,
  // and re-basing on it would go back in time.
  if (base.has_value() && event.event_time_ms() < base->event_time_ms) return;

  if (base.has_value()) {
    std::optional<sdk::Context::LastValue> implied = ctx.GetLast(balance_, key);
    std::optional<sdk::Context::LastValue> since = ctx.GetLast(since_, key);
    std::optional<int64_t> expected =
        implied.has_value() ? ParseInt64(implied->value) : std::nullopt;
    const int64_t count =
        since.has_value() ? ParseInt64(since->value).value_or(0) : 0;
    // An unknown (overflowed) balance cannot be compared; the snapshot only
    // re-bases.
    if (expected.has_value()) {
      const __int128 diff =
          static_cast<__int128>(event.amount_minor()) - *expected;
      const __int128 magnitude = diff < 0 ? -diff : diff;
      if (magnitude > tolerance_minor_) {
        const std::string reported = std::to_string(event.amount_minor());
        const std::string expected_text = std::to_string(*expected);
        const std::string diff_text = Int128ToString(diff);
        const std::string previous(base->value);
        sdk::Annotation a;
        // A mismatch proves a gap in what the engine saw, not fraud by
        // itself: operations should look, the customer is not blocked.
        a.score = 0.5;
        a.reason_code = "BALANCE_MISMATCH";
        a.message = "reported balance " + reported + " " +
                    std::string(event.currency()) +
                    " (minor units) differs from the implied " + expected_text +
                    " by " + diff_text + " after " + std::to_string(count) +
                    " events since snapshot " + previous;
        a.evidence = {{"expected_minor", expected_text},
                      {"reported_minor", reported},
                      {"difference_minor", diff_text},
                      {"currency", std::string(event.currency())},
                      {"events_since_snapshot", std::to_string(count)},
                      {"previous_snapshot_event_id", previous}};
        a.route_hint = RF_ROUTE_NOTIFY;
        ctx.Annotate(a);
      }
    }
  }
  // Re-base: from here on the reported balance is the truth.
  ctx.PutLast(balance_, key, std::to_string(event.amount_minor()));
  ctx.PutLast(since_, key, "0");
  ctx.PutLast(base_, key, event.event_id());
}

void BalanceReconciliationDetector::OnMovement(sdk::Context& ctx,
                                               const sdk::Event& event,
                                               const std::string& key,
                                               bool credit) {
  // The same choice as KeyFor's currency.
  const bool fx_debit = !credit && !event.source_currency().empty() &&
                        event.source_amount_minor() > 0;
  const int64_t amount =
      fx_debit ? event.source_amount_minor() : event.amount_minor();
  std::optional<sdk::Context::LastValue> base = ctx.GetLast(base_, key);
  // No snapshot yet: the starting balance is unknown, so there is nothing
  // to move. Older than the snapshot: assumed already counted in it.
  if (!base.has_value() || event.event_time_ms() < base->event_time_ms) {
    return;
  }
  std::optional<sdk::Context::LastValue> implied = ctx.GetLast(balance_, key);
  std::optional<sdk::Context::LastValue> since = ctx.GetLast(since_, key);
  std::optional<int64_t> balance =
      implied.has_value() ? ParseInt64(implied->value) : std::nullopt;
  std::string next;  // stays "" (unknown) once the balance overflowed
  if (balance.has_value()) {
    int64_t moved = 0;
    const bool overflow =
        credit ? __builtin_add_overflow(*balance, amount, &moved)
               : __builtin_sub_overflow(*balance, amount, &moved);
    if (!overflow) next = std::to_string(moved);
  }
  const int64_t count =
      since.has_value() ? ParseInt64(since->value).value_or(0) : 0;
  ctx.PutLast(balance_, key, next);
  ctx.PutLast(since_, key, std::to_string(count + 1));
}

}  // namespace balance_reconciliation
}  // namespace riskflow

RISKFLOW_DETECTOR(
    riskflow::balance_reconciliation::BalanceReconciliationDetector,
    "balance_reconciliation", "1.0.0",
    "A balance snapshot that differs from the balance implied by the previous "
    "snapshot and the credits and debits since.",
    riskflow::balance_reconciliation::BalanceReconciliationParams)
