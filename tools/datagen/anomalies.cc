// Injected anomalies, one shape per built-in detector, modelled on
// tests/scenarios/*/positive.jsonl and sized against the parameters in
// pipeline/config/all_detectors.yaml. The event each detector must flag is
// labelled {"label": <plugin>}; the episode's supporting events (a login, the
// first copy of a duplicate, a top-up) carry {"episode": <plugin>}. Every
// scenario checks its preconditions before emitting anything, so a refused
// injection leaves no trace.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "tools/datagen/sim.h"

namespace riskflow::datagen {
namespace {

using riskflow::v1::Event;
using riskflow::v1::EventType;

class Episode {
 public:
  Episode(Sim& sim, Account& a, Scenario s, int64_t t)
      : sim_(sim), a_(a), name_(ScenarioName(s)), t_(t) {}

  int64_t last() const { return last_; }
  int64_t now() const { return t_; }
  void Wait(int64_t lo_ms, int64_t hi_ms) {
    t_ += sim_.rng().Range(lo_ms, hi_ms);
  }

  std::unique_ptr<Event> Make(EventType type, Role role) {
    auto e = sim_.Make(a_, type, t_, role);
    if (role == Role::kApp) {
      e->set_device_id(a_.devices[0]);
      e->set_ip(a_.ip);
    }
    return e;
  }

  std::unique_ptr<Event> Money(EventType type, Role role, const std::string& cp,
                               const std::string& cp_country, int64_t amount) {
    auto e = Make(type, role);
    e->set_counterparty(cp);
    e->set_counterparty_country(cp_country);
    e->set_currency(a_.home->currency);
    e->set_amount_minor(amount);
    return e;
  }

  // Labelled events are the ones the scenario's detector must flag.
  void Emit(std::unique_ptr<Event> e, bool label) {
    (*e->mutable_attributes())[label ? kLabelKey : kEpisodeKey] = name_;
    last_ = e->event_time_ms();
    sim_.Emit(a_, std::move(e));
  }

  // Money for a large debit: a deposit first, so the balance never goes
  // negative (snapshots must stay valid) and the account is not left empty.
  void Fund(int64_t need) {
    if (a_.balance >= need + 10 * a_.budget) return;
    auto e = Make(riskflow::v1::DEPOSIT, Role::kRails);
    e->set_currency(a_.home->currency);
    e->set_amount_minor((need + 20 * a_.budget) / 100 * 100 + 100);
    Emit(std::move(e), false);
    Wait(2 * kMinuteMs, 20 * kMinuteMs);
  }

  void Login() {
    auto e = Make(riskflow::v1::LOGIN, Role::kApp);
    sim_.Locate(a_, e.get());
    Emit(std::move(e), false);
    Wait(20 * kSecondMs, 2 * kMinuteMs);
  }

 private:
  Sim& sim_;
  Account& a_;
  std::string name_;
  int64_t t_;
  int64_t last_ = -1;
};

int64_t Scaled(Rng& rng, int64_t threshold, double lo, double hi) {
  return static_cast<int64_t>(std::ceil(threshold * rng.Uniform(lo, hi)));
}

// large_payout's threshold in the home currency: its own, or the CNY
// reference threshold at its rate (GBP 9.0, HKD 0.91).
int64_t LargeThreshold(const HomeCountry& h) {
  const std::string c = h.currency;
  if (c == "CNY") return limits::kLargePayoutCny;
  if (c == "USD") return limits::kLargePayoutUsd;
  if (c == "EUR") return limits::kLargePayoutEur;
  return static_cast<int64_t>(
      std::ceil(limits::kLargePayoutCny / h.cny_per_unit));
}

const std::string* KnownMerchant(const Account& a) {
  for (const std::string& m : a.merchants) {
    if (a.Knows(m)) return &m;
  }
  return nullptr;
}

}  // namespace

int64_t InjectAnomaly(Sim& sim, Account& a, Scenario scenario, int64_t t) {
  Rng& rng = sim.rng();
  Episode ep(sim, a, scenario, t);
  const std::string home = a.home->country;
  const std::string currency = a.home->currency;
  const bool cny_or_usd = currency == "CNY" || currency == "USD";
  const std::string& bene = a.beneficiaries[rng.Below(a.beneficiaries.size())];
  switch (scenario) {
    case Scenario::kVelocity: {
      // Card testing: seven small payments ~5 s apart; from the 6th on the
      // count in 1m is above velocity_burst's 5 whatever came before.
      const std::string* m = KnownMerchant(a);
      if (m == nullptr) return -1;
      // Small amounts, all different (base rounded to 7s, plus i), so
      // duplicate_payout does not take the burst for retries.
      const int64_t top = a.budget / 20 + 500;
      ep.Fund(7 * (top + 7));
      for (int i = 1; i <= 7; ++i) {
        const int64_t base = rng.Range(100, top);
        auto e = ep.Money(riskflow::v1::PAYMENT, Role::kCard, *m, home,
                          base - base % 7 + i);
        sim.Locate(a, e.get());
        ep.Emit(std::move(e), i >= limits::kVelocityBurstMax + 1);
        ep.Wait(4 * kSecondMs, 6 * kSecondMs);
      }
      break;
    }
    case Scenario::kLargeAmount: {
      const int64_t amount = Scaled(rng, LargeThreshold(*a.home), 1.05, 1.6);
      ep.Fund(amount);
      ep.Login();
      ep.Emit(ep.Money(riskflow::v1::PAYOUT, Role::kRails, bene, home, amount),
              true);
      break;
    }
    case Scenario::kDuplicatePayout: {
      // A retried request paid twice, 1-8 minutes apart.
      const std::string* m = KnownMerchant(a);
      const bool payment = m != nullptr && rng.Chance(0.5);
      const int64_t amount = std::max<int64_t>(
          100, std::min<int64_t>(sim.Ceiling(currency) / 2,
                                 std::llround(rng.LogNormal(a.budget, 0.4))));
      ep.Fund(2 * amount);
      if (!payment) ep.Login();
      for (int copy = 0; copy < 2; ++copy) {
        auto e = payment ? ep.Money(riskflow::v1::PAYMENT, Role::kCard, *m,
                                    home, amount)
                         : ep.Money(riskflow::v1::PAYOUT, Role::kRails, bene,
                                    home, amount);
        ep.Emit(std::move(e), copy == 1);
        ep.Wait(kMinuteMs, 8 * kMinuteMs);
      }
      break;
    }
    case Scenario::kSuddenOutflow: {
      // Emptying the account: one payout of 95% of what the detector
      // believes the balance is, kept within the real balance and judged
      // by the replica before anything is emitted.
      const int64_t amount =
          std::min(a.outflow_home.DrainAmount(t, 95), a.balance);
      if (amount < 100) return -1;
      const OutflowReplica::Verdict v = a.outflow_home.Judge(t, amount);
      if (!v.history && !v.balance) return -1;
      ep.Emit(ep.Money(riskflow::v1::PAYOUT, Role::kRails, sim.NewId("mule"),
                       home, amount),
              true);
      break;
    }
    case Scenario::kAuthFailures: {
      // Password guessing from one device and IP, then the guess that
      // worked: failures 5 and 6 are the burst, the login the notice.
      const std::string device = sim.NewId("dev-x");
      const std::string ip = absl::StrCat("203.0.113.", rng.Range(1, 254));
      for (int i = 1; i <= 7; ++i) {
        auto e =
            ep.Make(i <= 6 ? riskflow::v1::AUTH_FAILURE : riskflow::v1::LOGIN,
                    Role::kApp);
        e->set_device_id(device);
        e->set_ip(ip);
        if (i == 7) sim.Locate(a, e.get());
        ep.Emit(std::move(e), i >= limits::kAuthMaxFailures);
        ep.Wait(15 * kSecondMs, 40 * kSecondMs);
      }
      break;
    }
    case Scenario::kImpossibleTravel: {
      // A login from a country the account never used (NEW_COUNTRY, and
      // usually IMPOSSIBLE_TRAVEL), then a payout within the hour.
      if (!a.location.has_country()) return -1;
      std::vector<const Place*> places;
      for (const Place& p : FraudPlaces()) {
        if (!a.location.KnowsCountry(p.country)) places.push_back(&p);
      }
      if (places.empty()) return -1;
      const Place& p = *places[rng.Below(places.size())];
      const int64_t amount = std::min<int64_t>(
          sim.Ceiling(currency),
          std::llround(rng.LogNormal(2.0 * a.budget, 0.3)) + 100);
      ep.Fund(amount);
      for (int i = 0; i < 2; ++i) {
        auto e = i == 0 ? ep.Make(riskflow::v1::LOGIN, Role::kApp)
                        : ep.Money(riskflow::v1::PAYOUT, Role::kApp, bene, home,
                                   amount);
        e->set_country(p.country);
        e->set_latitude(
            std::round((p.city.latitude + 0.02 * rng.Normal()) * 1e4) / 1e4);
        e->set_longitude(
            std::round((p.city.longitude + 0.02 * rng.Normal()) * 1e4) / 1e4);
        e->set_device_id(sim.NewId("dev-x"));
        e->set_ip(absl::StrCat("198.51.100.", rng.Range(1, 254)));
        ep.Emit(std::move(e), true);
        ep.Wait(5 * kMinuteMs, 40 * kMinuteMs);
      }
      break;
    }
    case Scenario::kNewBeneficiary: {
      // Add a beneficiary, pay it more than the threshold the same day.
      if (!cny_or_usd) return -1;
      const int64_t threshold = currency == "CNY" ? limits::kNewBeneficiaryCny
                                                  : limits::kNewBeneficiaryUsd;
      const int64_t amount = Scaled(rng, threshold, 1.1, 1.8);
      const std::string nb = sim.NewId("nb");
      ep.Login();
      auto change = ep.Make(riskflow::v1::PROFILE_CHANGE, Role::kApp);
      change->set_counterparty(nb);
      (*change->mutable_attributes())["field"] = "beneficiary";
      ep.Emit(std::move(change), false);
      ep.Wait(20 * kMinuteMs, 6 * kHourMs);
      ep.Fund(amount);
      ep.Emit(ep.Money(riskflow::v1::PAYOUT, Role::kRails, nb, home, amount),
              true);
      break;
    }
    case Scenario::kFxSanity: {
      // A remittance at a rate 3-12% off the reference (either way).
      const double reference = ReferenceRateToCny(currency);
      if (reference == 0) return -1;
      const int64_t cny = std::min<int64_t>(
          1500000, std::llround(rng.LogNormal(
                       2.0 * a.budget * a.home->cny_per_unit, 0.3)) +
                       10000);
      const double off = rng.Uniform(0.03, 0.12) * (rng.Chance(0.5) ? 1 : -1);
      const double rate = reference * (1 + off);
      const int64_t source = std::llround(static_cast<double>(cny) / rate);
      ep.Fund(source);
      ep.Login();
      auto e = ep.Make(riskflow::v1::PAYOUT, Role::kRails);
      e->set_counterparty(a.fx_beneficiary.empty() ? sim.NewId("fxb")
                                                   : a.fx_beneficiary);
      e->set_counterparty_country("CN");
      e->set_currency("CNY");
      e->set_amount_minor(cny);
      e->set_source_currency(currency);
      e->set_source_amount_minor(source);
      e->set_fx_rate(std::round(rate * 1e6) / 1e6);
      ep.Emit(std::move(e), true);
      break;
    }
    case Scenario::kCrossBorder: {
      // A large payout or transfer abroad, outside the CN-HK corridors.
      if (!cny_or_usd) return -1;
      std::vector<const char*> dest;
      for (const char* d : CrossBorderDestinations()) {
        if (home != d) dest.push_back(d);
      }
      const int64_t threshold =
          currency == "CNY" ? limits::kCrossBorderCny : limits::kCrossBorderUsd;
      const int64_t amount = Scaled(rng, threshold, 1.05, 1.4);
      ep.Fund(amount);
      ep.Login();
      ep.Emit(ep.Money(rng.Chance(0.5) ? riskflow::v1::PAYOUT
                                       : riskflow::v1::TRANSFER,
                       Role::kRails, sim.NewId("xb"),
                       dest[rng.Below(dest.size())], amount),
              true);
      break;
    }
    case Scenario::kUnknownCounterparty: {
      // A card payment to a shop the account never dealt with, once it
      // knows enough counterparties (min_known 3) for that to mean something.
      if (a.known.size() < static_cast<size_t>(limits::kUnknownMinKnown)) {
        return -1;
      }
      const int64_t amount = std::min<int64_t>(
          sim.Ceiling(currency),
          std::llround(rng.LogNormal(0.5 * a.budget, 0.5)) + 100);
      ep.Fund(amount);
      auto e = ep.Money(riskflow::v1::PAYMENT, Role::kCard, sim.NewId("shop"),
                        home, amount);
      sim.Locate(a, e.get());
      ep.Emit(std::move(e), true);
      break;
    }
    case Scenario::kBalanceReconciliation: {
      // Money that moved where the engine could not see it: a snapshot
      // 1-10% off the implied balance (mostly missing, sometimes extra).
      if (!a.outflow_home.has_snapshot() || a.balance < 1000) return -1;
      const int64_t diff =
          std::max<int64_t>(1, std::llround(static_cast<double>(a.balance) *
                                            rng.Uniform(0.01, 0.10)));
      auto e = ep.Make(riskflow::v1::BALANCE_SNAPSHOT, Role::kRails);
      e->set_currency(currency);
      e->set_amount_minor(rng.Chance(0.7) ? a.balance - diff
                                          : a.balance + diff);
      ep.Emit(std::move(e), true);
      break;
    }
  }
  return ep.last();
}

}  // namespace riskflow::datagen
