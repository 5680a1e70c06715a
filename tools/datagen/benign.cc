// Benign sessions: what an account does on an ordinary visit. Amounts are
// drawn from the account's profile and then passed through the replicas'
// guards (Sim::BenignDebitAmount), so benign traffic stays under every
// detector's limits even in its heavy tail and right after an anomaly.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "tools/datagen/sim.h"

namespace riskflow::datagen {
namespace {

using riskflow::v1::Event;
using riskflow::v1::EventType;

// Guards aim at this share of a limit, leaving room for replica error.
constexpr double kGuardFraction = 0.6;
// Smallest benign debit: one major unit of a two-decimal currency.
constexpr int64_t kMinDebit = 100;

enum class Kind { kCard, kWallet, kPayout, kTransfer, kLoginOnly, kProfile };

// Builds one session with a moving clock; every event is emitted at once
// (the account's events are committed in time order).
class Session {
 public:
  Session(Sim& sim, Account& a, int64_t t) : sim_(sim), a_(a), t_(t) {}

  int64_t last() const { return last_; }
  void Wait(int64_t lo_ms, int64_t hi_ms) {
    t_ += sim_.rng().Range(lo_ms, hi_ms);
  }

  void Login() {
    Rng& rng = sim_.rng();
    // A mistyped password now and then; never enough for auth_failures
    // (one failure, none already in the window).
    if (rng.Chance(0.04) && a_.auth.FailuresWithin(t_, kHourMs) == 0) {
      Emit(App(riskflow::v1::AUTH_FAILURE));
      Wait(10 * kSecondMs, 40 * kSecondMs);
    }
    Emit(App(riskflow::v1::LOGIN));
    Wait(20 * kSecondMs, 2 * kMinuteMs);
  }

  // A debit in the home currency; false when the guards skipped it.
  bool Debit(EventType type, Role role, const std::string& cp,
             const std::string& cp_country, double desired) {
    if (cp.empty()) return false;
    EnsureFunds(static_cast<int64_t>(desired));
    auto e = role == Role::kApp ? App(type) : sim_.Make(a_, type, t_, role);
    if (role == Role::kCard) sim_.Locate(a_, e.get());
    e->set_counterparty(cp);
    e->set_counterparty_country(cp_country);
    e->set_currency(a_.home->currency);
    e->set_amount_minor(static_cast<int64_t>(desired));
    const int64_t amount = sim_.BenignDebitAmount(a_, *e);
    if (amount == 0 || amount > a_.balance) return false;
    e->set_amount_minor(amount);
    last_amount_ = amount;
    Emit(std::move(e));
    Wait(40 * kSecondMs, 20 * kMinuteMs);
    return true;
  }
  // The amount of the last debit Debit emitted.
  int64_t last_amount() const { return last_amount_; }
  int64_t now() const { return t_; }
  void set_now(int64_t t) { t_ = t; }
  // Funds for a big debit: a transfer in from the holder's own savings so
  // that `need` is at most half of the balance (people move money before a
  // big purchase; they do not empty the account on it).
  void FundHalf(int64_t need) {
    if (a_.balance >= 2 * need) return;
    auto e = sim_.Make(a_, riskflow::v1::DEPOSIT, t_, Role::kRails);
    e->set_currency(a_.home->currency);
    e->set_amount_minor((2 * need - a_.balance) / 100 * 100 + 100);
    Emit(std::move(e));
    Wait(kMinuteMs, 30 * kMinuteMs);
  }

  // A remittance: paid in CNY to a beneficiary in CN, charged in the home
  // currency at the reference rate +-0.5% (fx_sanity allows 2%).
  void FxPayout(double desired_cny) {
    const double reference = ReferenceRateToCny(a_.home->currency);
    if (reference == 0 || a_.fx_beneficiary.empty()) return;
    auto e = sim_.Make(a_, riskflow::v1::PAYOUT, t_, Role::kRails);
    e->set_counterparty(a_.fx_beneficiary);
    e->set_counterparty_country("CN");
    e->set_currency("CNY");
    e->set_amount_minor(static_cast<int64_t>(desired_cny));
    const int64_t amount = sim_.BenignDebitAmount(a_, *e);
    const double rate = reference * (1 + sim_.rng().Uniform(-0.005, 0.005));
    const int64_t source = std::llround(static_cast<double>(amount) / rate);
    if (amount == 0 || source < 1000 || source > a_.balance) return;
    e->set_amount_minor(amount);
    e->set_source_currency(a_.home->currency);
    e->set_source_amount_minor(source);
    e->set_fx_rate(std::round(static_cast<double>(amount) / source * 1e6) /
                   1e6);
    Emit(std::move(e));
    Wait(kMinuteMs, 10 * kMinuteMs);
  }

  void Refund(const std::string& merchant, double desired) {
    auto e = sim_.Make(a_, riskflow::v1::REFUND, t_, Role::kCard);
    e->set_counterparty(merchant);
    e->set_currency(a_.home->currency);
    e->set_amount_minor(std::max<int64_t>(kMinDebit, std::llround(desired)));
    Emit(std::move(e));
    Wait(kMinuteMs, 10 * kMinuteMs);
  }

  void ProfileChange() {
    if (a_.beneficiaries.size() >= 5) return;
    auto e = App(riskflow::v1::PROFILE_CHANGE);
    const std::string bene =
        absl::StrCat("bene-", a_.id.substr(5), "-", a_.beneficiaries.size());
    e->set_counterparty(bene);
    (*e->mutable_attributes())["field"] = "beneficiary";
    a_.beneficiaries.push_back(bene);
    Emit(std::move(e));
    Wait(kMinuteMs, 5 * kMinuteMs);
  }

 private:
  std::unique_ptr<Event> App(EventType type) {
    auto e = sim_.Make(a_, type, t_, Role::kApp);
    e->set_device_id(a_.devices[sim_.rng().Below(a_.devices.size())]);
    e->set_ip(a_.ip);
    if (type != riskflow::v1::PROFILE_CHANGE) sim_.Locate(a_, e.get());
    return e;
  }

  // A wallet top-up from the holder's own bank (no counterparty, so
  // unknown_counterparty learns nothing) when the balance runs low.
  void EnsureFunds(int64_t need) {
    if (a_.balance >= need + 5 * a_.budget) return;
    auto e = sim_.Make(a_, riskflow::v1::DEPOSIT, t_, Role::kRails);
    e->set_currency(a_.home->currency);
    e->set_amount_minor((need + 20 * a_.budget) / 100 * 100 + 100);
    Emit(std::move(e));
    Wait(kMinuteMs, 3 * kMinuteMs);
  }

  void Emit(std::unique_ptr<Event> e) {
    last_ = e->event_time_ms();
    sim_.Emit(a_, std::move(e));
  }

  Sim& sim_;
  Account& a_;
  int64_t t_;
  int64_t last_ = -1;
  int64_t last_amount_ = 0;
};

// A favourite merchant, or one already known when the account knows enough
// counterparties that a new one would be unknown_counterparty's alert.
std::string PickMerchant(Sim& sim, const Account& a) {
  // Abroad, every shop is new to the account (unknown_counterparty's
  // NEW_COUNTERPARTY by design: a hard negative).
  if (a.abroad != nullptr) {
    return absl::StrCat("m-", a.abroad->country, "-", sim.rng().Below(60));
  }
  static constexpr double kWeights[] = {0.5, 0.3, 0.2};
  double u = sim.rng().Uniform();
  size_t pick = 0;
  while (pick + 1 < a.merchants.size() && (u -= kWeights[pick]) >= 0) ++pick;
  const std::string& m = a.merchants[pick];
  if (a.Knows(m) || a.known.size() < limits::kUnknownMinKnown) {
    return m;
  }
  for (const std::string& known : a.merchants) {
    if (a.Knows(known)) return known;
  }
  return "";
}

Kind PickKind(Sim& sim, const Account& a) {
  const GeneratorOptions& o = sim.options();
  const double weights[] = {o.card_weight,       o.wallet_weight,
                            o.payout_weight,     o.transfer_weight,
                            o.login_only_weight, o.profile_change_weight};
  double total = 0;
  for (double w : weights) total += std::max(0.0, w);
  double u = sim.rng().Uniform() * total;
  for (int k = 0; k < 6; ++k) {
    u -= std::max(0.0, weights[k]);
    if (u < 0) return static_cast<Kind>(k);
  }
  return Kind::kLoginOnly;
}

// --- hard negatives inside sessions (see hard_negatives.h) ---

// A flight: great-circle distance at 700 km/h plus 3h of airports, so the
// speed between the last place at home and the first abroad stays under
// impossible_travel's 900 km/h (and under the replica's 700 margin).
int64_t FlightMs(const City& from, const City& to) {
  const double km =
      HaversineKm(from.latitude, from.longitude, to.latitude, to.longitude);
  return static_cast<int64_t>(km / 700.0 * kHourMs) + 3 * kHourMs;
}

// trip_abroad: now and then an account at home flies abroad for 2-9 days,
// logs in and pays at local shops there, and flies home. Returns the
// session's start, which is later than `t` by the flight when one starts.
int64_t Travel(Sim& sim, Account& a, int64_t t) {
  const int64_t end = sim.options().start_time_ms +
                      static_cast<int64_t>(sim.options().days) * kDayMs;
  if (a.abroad != nullptr) {
    if (t < a.trip_until_ms) return t;
    const int64_t flight =
        FlightMs(a.abroad->city, a.home->cities[a.home_city]);
    if (t + flight + kHourMs >= end) return t;  // stays till the stream ends
    a.abroad = nullptr;
    a.city = a.home_city;
    return t + flight;
  }
  if (!sim.rng().Chance(sim.options().trip_chance)) return t;
  std::vector<const Place*> places;
  for (const Place& p : TravelPlaces()) {
    if (a.home->country != std::string(p.country)) places.push_back(&p);
  }
  const Place* p = places[sim.rng().Below(places.size())];
  const int64_t flight = FlightMs(a.current_city(), p->city);
  if (t + flight + kHourMs >= end) return t;
  a.abroad = p;
  a.trip_until_ms = t + flight + sim.rng().Range(2, 9) * kDayMs;
  sim.CountHardNegative("trip_abroad");
  return t + flight;
}

// One of the session-level hard negatives, or false for an ordinary
// session. Amounts go through the same guards as every benign debit.
bool HardNegativeSessionTagged(Sim& sim, Account& a, Session& s);

bool HardNegativeSession(Sim& sim, Account& a, Session& s) {
  const bool ran = HardNegativeSessionTagged(sim, a, s);
  a.hard_negative = nullptr;
  return ran;
}

// The body of HardNegativeSession; sets a.hard_negative for what it emits.
bool HardNegativeSessionTagged(Sim& sim, Account& a, Session& s) {
  Rng& rng = sim.rng();
  const double budget = static_cast<double>(a.budget);
  const std::string home = a.home->country;
  // same_payee_later: the same amount to the same payee again, an hour or
  // more after the first (a daily lunch, a second ticket): not a retry.
  if (!a.repeat_payee.empty() && s.now() >= a.repeat_after_ms) {
    const std::string payee = a.repeat_payee;
    const int64_t amount = a.repeat_amount;
    a.repeat_payee.clear();
    a.hard_negative = "same_payee_later";
    if (s.Debit(riskflow::v1::PAYMENT, Role::kCard, payee, home,
                static_cast<double>(amount)) &&
        s.last_amount() == amount) {
      sim.CountHardNegative("same_payee_later");
    }
    return true;
  }
  // quiet_big_day: a quiet account (a quarter of the usual sessions, so
  // ~0.6 budgets a day) buys something big now and then, ~15 budgets,
  // ~25x its daily average; money comes in from savings first.
  if (a.profile == Account::Profile::kQuiet && rng.Chance(0.03)) {
    const std::string m = PickMerchant(sim, a);
    if (m.empty()) return false;
    a.hard_negative = "quiet_big_day";
    const double want =
        std::min(static_cast<double>(sim.Ceiling(a.home->currency)),
                 rng.LogNormal(15 * budget, 0.4));
    s.FundHalf(static_cast<int64_t>(want));
    if (s.Debit(riskflow::v1::PAYMENT, Role::kCard, m, home, want)) {
      sim.CountHardNegative("quiet_big_day");
    }
    return true;
  }
  // small_account_treat: a small-amount account (budget 3-30 CNY; ~2.2
  // budgets out a day) spends ~15 budgets, ~7 days' worth, at once:
  // sudden_outflow's "172 CNY against 25 CNY a day".
  if (a.profile == Account::Profile::kSmall && rng.Chance(0.03)) {
    const std::string m = PickMerchant(sim, a);
    if (m.empty()) return false;
    a.hard_negative = "small_account_treat";
    if (s.Debit(riskflow::v1::PAYMENT, Role::kCard, m, home,
                rng.LogNormal(15 * budget, 0.3))) {
      sim.CountHardNegative("small_account_treat");
    }
    return true;
  }
  // split_bill: two payments to the same shop minutes apart with different
  // amounts; or the first of same_payee_later.
  if (rng.Chance(0.05)) {
    const std::string m = PickMerchant(sim, a);
    if (m.empty()) return false;
    // Tagged by what it becomes; drawn first so the tag is known.
    const bool split = rng.Chance(0.5);
    a.hard_negative = split ? "split_bill" : "same_payee_later";
    if (!s.Debit(riskflow::v1::PAYMENT, Role::kCard, m, home,
                 rng.LogNormal(0.3 * budget, 0.6))) {
      return true;
    }
    const int64_t first = s.last_amount();
    if (split) {
      // Another share of the bill 1-8 minutes later; an equal amount within
      // the duplicate window is lowered by the guard, so the two differ.
      s.set_now(s.last() + rng.Range(kMinuteMs, 8 * kMinuteMs));
      if (s.Debit(riskflow::v1::PAYMENT, Role::kCard, m, home,
                  rng.LogNormal(static_cast<double>(first), 0.3)) &&
          s.last_amount() != first) {
        sim.CountHardNegative("split_bill");
      }
    } else {
      a.repeat_payee = m;
      a.repeat_amount = first;
      a.repeat_after_ms = s.now() + rng.Range(kHourMs, 6 * kHourMs);
    }
    return true;
  }
  return false;
}

}  // namespace

int64_t Sim::BenignDebitAmount(Account& a, const Event& e,
                               int max_per_minute) {
  const int64_t t = e.event_time_ms();
  // impossible_travel freezes payouts for 1h after a location alert.
  if (e.type() == riskflow::v1::PAYOUT && a.location.last_alert_ms() >= 0 &&
      t - a.location.last_alert_ms() <=
          limits::kPayoutAfterAlertMs + kMinuteMs) {
    ++stats_.benign_debits_skipped;
    return 0;
  }
  // velocity_burst allows 5 per minute; benign sessions stay at 3.
  if (a.debits.CountWithinMinute(t) >= max_per_minute) {
    ++stats_.benign_debits_skipped;
    return 0;
  }
  int64_t amount = std::min(e.amount_minor(), Ceiling(e.currency()));
  const OutflowReplica& r = a.Outflow(e.currency());
  // Real customers do not know sudden_outflow's ratio: with hard negatives
  // on, only the absolute limits below shape benign amounts.
  if (!options_.hard_negatives) {
    amount = std::min(amount, r.MaxDebit(t, kGuardFraction));
  }
  // velocity_amount's sum limits, at half.
  if (e.currency() == "CNY") {
    amount =
        std::min({amount, limits::kVelocity1hCny / 2 - r.RecentSum(t, kHourMs),
                  limits::kVelocity1dCny / 2 - r.TwoDaySum(t)});
  } else if (e.currency() == "USD") {
    amount =
        std::min(amount, limits::kVelocity1hUsd / 2 - r.RecentSum(t, kHourMs));
  }
  while (amount > 0 && a.debits.WouldDuplicate(e.type(), e.counterparty(),
                                               e.currency(), amount, t)) {
    --amount;
  }
  if (amount < kMinDebit) {
    ++stats_.benign_debits_skipped;
    return 0;
  }
  if (amount < e.amount_minor()) ++stats_.benign_debits_capped;
  return amount;
}

int64_t RunBenignSession(Sim& sim, Account& a, int64_t t, bool first_session) {
  Rng& rng = sim.rng();
  // Trips abroad (hard negatives): the session may start later, after the
  // flight.
  if (sim.hard_negatives() && !first_session) t = Travel(sim, a, t);
  // Occasional domestic trips of a few days (trips abroad are a hard
  // negative: the first visit is impossible_travel's NEW_COUNTRY by design).
  if (a.home->cities.size() > 1 && a.abroad == nullptr) {
    if (a.city != a.home_city && t >= a.travel_until_ms) {
      a.city = a.home_city;
    } else if (a.city == a.home_city && rng.Chance(0.01)) {
      a.city = static_cast<int>(
          (a.home_city + 1 + rng.Below(a.home->cities.size() - 1)) %
          a.home->cities.size());
      a.travel_until_ms = t + rng.Range(1, 4) * kDayMs;
    }
  }
  const double budget = static_cast<double>(a.budget);
  const std::string home = a.home->country;
  // A shop's country: abroad, the country visited.
  const std::string here =
      a.abroad != nullptr ? a.abroad->country : a.home->country;
  Session s(sim, a, t);
  if (sim.hard_negatives() && !first_session && a.abroad == nullptr &&
      HardNegativeSession(sim, a, s)) {
    return s.last() < 0 ? t - 1 : s.last();
  }
  // Everything an account does abroad is part of its trip.
  a.hard_negative = a.abroad != nullptr ? "trip_abroad" : nullptr;
  // The first session is a card visit, so the favourite merchants are
  // known before salaries and payouts fill unknown_counterparty's count.
  switch (first_session ? Kind::kCard : PickKind(sim, a)) {
    case Kind::kCard: {
      const std::string m = PickMerchant(sim, a);
      if (!first_session && rng.Chance(0.04) && a.Knows(m)) {
        s.Refund(m, rng.LogNormal(0.2 * budget, 0.5));
      }
      const int n = first_session ? 3 : 1 + rng.Chance(0.45) + rng.Chance(0.2);
      for (int i = 0; i < n; ++i) {
        const std::string cp =
            first_session ? a.merchants[i] : PickMerchant(sim, a);
        s.Debit(riskflow::v1::PAYMENT, Role::kCard, cp, here,
                rng.LogNormal(0.3 * budget, 0.8));
      }
      break;
    }
    case Kind::kWallet: {
      s.Login();
      for (int i = 0, n = 1 + rng.Chance(0.4); i < n; ++i) {
        s.Debit(riskflow::v1::PAYMENT, Role::kApp, PickMerchant(sim, a), here,
                rng.LogNormal(0.3 * budget, 0.8));
      }
      break;
    }
    case Kind::kPayout:
      s.Login();
      if (!a.fx_beneficiary.empty() && rng.Chance(0.6)) {
        s.FxPayout(rng.LogNormal(2 * budget * a.home->cny_per_unit, 0.25));
      } else {
        s.Debit(riskflow::v1::PAYOUT, Role::kRails,
                a.beneficiaries[rng.Below(a.beneficiaries.size())], home,
                rng.LogNormal(1.5 * budget, 0.4));
      }
      break;
    case Kind::kTransfer:
      s.Login();
      s.Debit(riskflow::v1::TRANSFER, Role::kRails,
              a.friends[rng.Below(a.friends.size())], home,
              rng.LogNormal(0.8 * budget, 0.6));
      break;
    case Kind::kLoginOnly:
      s.Login();
      break;
    case Kind::kProfile:
      s.Login();
      s.ProfileChange();
      break;
  }
  a.hard_negative = nullptr;
  return s.last() < 0 ? t - 1 : s.last();
}

}  // namespace riskflow::datagen
