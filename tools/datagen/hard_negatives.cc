// Account profiles and the scheduled hard negatives (monthly pay day,
// merchant payout runs); the session-level ones are in benign.cc. See
// hard_negatives.h for the list.
#include "tools/datagen/hard_negatives.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "tools/datagen/sim.h"

namespace riskflow::datagen {
namespace {

using riskflow::v1::EventType;

// A domestic debit on the bank rails through the benign guards; false when
// a guard dropped it.
bool RailsDebit(Sim& sim, Account& a, EventType type, const std::string& cp,
                double desired, int64_t t, int max_per_minute) {
  auto e = sim.Make(a, type, t, Role::kRails);
  e->set_counterparty(cp);
  e->set_counterparty_country(a.home->country);
  e->set_currency(a.home->currency);
  e->set_amount_minor(std::max<int64_t>(100, std::llround(desired)));
  const int64_t amount = sim.BenignDebitAmount(a, *e, max_per_minute);
  if (amount == 0 || amount > a.balance) return false;
  e->set_amount_minor(amount);
  sim.Emit(a, std::move(e));
  return true;
}

void Deposit(Sim& sim, Account& a, const std::string& cp, int64_t amount,
             int64_t t) {
  auto e = sim.Make(a, riskflow::v1::DEPOSIT, t, Role::kRails);
  e->set_counterparty(cp);
  e->set_currency(a.home->currency);
  e->set_amount_minor(std::max<int64_t>(100, amount / 100 * 100));
  sim.Emit(a, std::move(e));
}

}  // namespace

void SetUpHardNegatives(Sim& sim, Account& a, uint32_t index, int64_t open_ms) {
  Rng& rng = sim.rng();
  const GeneratorOptions& o = sim.options();
  const std::string cc = a.home->country;
  const double u = rng.Uniform();
  if (u < o.small_account_share) {
    // 3-30 CNY a day: pocket money, a student's card.
    a.profile = Account::Profile::kSmall;
    a.budget = std::max<int64_t>(
        100, static_cast<int64_t>(rng.Uniform(300, 3000) / a.home->cny_per_unit));
    a.balance = a.budget * rng.Range(25, 40);
  } else if (u < o.small_account_share + o.quiet_account_share) {
    a.profile = Account::Profile::kQuiet;
    a.activity = 0.25;
  } else if (u < o.small_account_share + o.quiet_account_share +
                     o.merchant_share) {
    a.profile = Account::Profile::kMerchant;
    for (int k = 0, n = static_cast<int>(rng.Range(5, 12)); k < n; ++k) {
      a.suppliers.push_back(absl::StrCat("sup-", index, "-", k));
    }
    a.next_settlement_ms = sim.NextLocalTime(a, open_ms + kHourMs, 17, 0) +
                           rng.Range(0, kHourMs);
  }
  if (rng.Chance(o.monthly_pay_share)) {
    a.landlord = absl::StrCat("landlord-", cc, "-", rng.Below(100000));
    a.utility = absl::StrCat("util-", cc, "-", rng.Below(5));
    a.savings = absl::StrCat("sav-", index);
    a.next_payday_ms =
        sim.NextLocalTime(a, open_ms + rng.Range(0, 29) * kDayMs, 8, 0) +
        rng.Range(0, 30 * kMinuteMs);
  }
}

int64_t RunPayday(Sim& sim, Account& a, int64_t t) {
  Rng& rng = sim.rng();
  const double budget = static_cast<double>(a.budget);
  a.hard_negative = "payday";
  // The month's salary: ~40 budgets (an ordinary account sends ~2.2
  // budgets a day out; the weekly pay keeps it going).
  Deposit(sim, a, a.employer, static_cast<int64_t>(40 * budget), t);
  int64_t last = t;
  // Standing orders run together later that morning: rent ~22 budgets
  // (~10 days of spending), a utility, savings: ~14x the daily average in
  // one hour.
  int64_t at = t + rng.Range(kHourMs, 3 * kHourMs);
  const struct {
    EventType type;
    const std::string& payee;
    double median;
    double sigma;
  } kOrders[] = {
      {riskflow::v1::TRANSFER, a.landlord, 22 * budget, 0.25},
      {riskflow::v1::PAYOUT, a.utility, 2 * budget, 0.4},
      {riskflow::v1::TRANSFER, a.savings, 8 * budget, 0.5},
  };
  for (const auto& order : kOrders) {
    if (RailsDebit(sim, a, order.type, order.payee,
                   rng.LogNormal(order.median, order.sigma), at, 4)) {
      last = at;
    }
    at += rng.Range(3 * kSecondMs, 20 * kSecondMs);
  }
  a.hard_negative = nullptr;
  sim.CountHardNegative("payday");
  return last;
}

int64_t RunSettlement(Sim& sim, Account& a, int64_t t) {
  Rng& rng = sim.rng();
  a.hard_negative = "merchant_payout_run";
  // The day's card sales, settled by the acquirer.
  Deposit(sim, a, absl::StrCat("settle-", a.home->country),
          std::llround(rng.LogNormal(8.0 * static_cast<double>(a.budget), 0.3)),
          t);
  int64_t at = t + rng.Range(5 * kMinuteMs, 40 * kMinuteMs);
  int64_t last = t;
  // Then the run: 6-15 supplier payouts a few seconds apart, together
  // about half of the balance (a merchant keeps a float).
  const int n = static_cast<int>(rng.Range(6, 15));
  const double total =
      0.5 * static_cast<double>(a.balance) * rng.Uniform(0.6, 1.0);
  int paid = 0;
  for (int i = 0; i < n; ++i) {
    const std::string& supplier = a.suppliers[rng.Below(a.suppliers.size())];
    if (RailsDebit(sim, a, riskflow::v1::PAYOUT, supplier,
                   total / n * rng.LogNormal(1.0, 0.3), at, 18)) {
      last = at;
      ++paid;
    }
    at += rng.Range(2 * kSecondMs, 8 * kSecondMs);
  }
  a.hard_negative = nullptr;
  if (paid >= 6) sim.CountHardNegative("merchant_payout_run");
  return last;
}

}  // namespace riskflow::datagen
