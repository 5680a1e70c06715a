#include "tools/datagen/sim.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"

namespace riskflow::datagen {
namespace {

using riskflow::v1::Event;

// Benign events per session on average with the default weights (measured:
// see generator_test's mix check); turns events_per_account_per_day into a
// session rate.
constexpr double kEventsPerSession = 1.9;
// A session never starts sooner than this after the account's last one, so
// sessions never run into each other (velocity, auth windows).
constexpr int64_t kMinGapMs = 5 * kMinuteMs;
// After an injected episode the account is left alone this long: the
// detectors' short windows (1h payout freeze, 1h outflow, 10m auth) pass.
constexpr int64_t kEpisodeCooldownMs = 2 * kHourMs;

double MeanIntensity() {
  double sum = 0;
  for (int h = 0; h < 24; ++h) sum += HourIntensity(h);
  return sum / 24;
}

bool IsDebit(riskflow::v1::EventType t) {
  return t == riskflow::v1::PAYMENT || t == riskflow::v1::PAYOUT ||
         t == riskflow::v1::TRANSFER;
}

}  // namespace

bool Account::Knows(const std::string& cp) const {
  return std::find(known.begin(), known.end(), cp) != known.end();
}

OutflowReplica& Account::Outflow(const std::string& currency) {
  if (currency == home->currency) return outflow_home;
  return outflow_other[currency];
}

Sim::Sim(GeneratorOptions options)
    : options_(std::move(options)),
      rng_(options_.seed),
      prefix_(options_.id_prefix.empty() ? absl::StrCat("dg", options_.seed)
                                         : options_.id_prefix),
      end_ms_(options_.start_time_ms +
              static_cast<int64_t>(options_.days) * kDayMs) {
  if (options_.channels.empty()) options_.channels = {"datagen"};
  sessions_per_day_ =
      std::max(0.05, (options_.events_per_account_per_day - 1.0 - 1.0 / 7) /
                         kEventsPerSession);
  accounts_.resize(options_.accounts);
  for (uint32_t i = 0; i < options_.accounts; ++i) CreateAccount(i);
}

void Sim::CreateAccount(uint32_t index) {
  Account& a = accounts_[index];
  a.id = absl::StrCat("acct-", index);
  double pick = rng_.Uniform();
  for (const HomeCountry& h : HomeCountries()) {
    a.home = &h;
    pick -= h.weight;
    if (pick < 0) break;
  }
  const std::string cc = a.home->country;
  a.home_city = a.city = static_cast<int>(rng_.Below(a.home->cities.size()));
  const double budget_cny = std::min(rng_.Pareto(8000, 1.4), 400000.0);
  a.budget = std::max<int64_t>(
      100, static_cast<int64_t>(budget_cny / a.home->cny_per_unit));
  // Merchants of the home country, popular ones more often (u^2 skew).
  const uint64_t pool = std::max<uint64_t>(
      5, static_cast<uint64_t>(options_.merchants * a.home->weight));
  while (a.merchants.size() < 3) {
    const double u = rng_.Uniform();
    std::string m =
        absl::StrCat("m-", cc, "-", static_cast<uint64_t>(u * u * pool));
    if (std::find(a.merchants.begin(), a.merchants.end(), m) ==
        a.merchants.end()) {
      a.merchants.push_back(std::move(m));
    }
  }
  for (int k = 0, n = static_cast<int>(rng_.Range(1, 2)); k < n; ++k) {
    a.beneficiaries.push_back(absl::StrCat("bene-", index, "-", k));
    a.friends.push_back(absl::StrCat("p2p-", cc, "-", rng_.Below(100000)));
  }
  a.employer = absl::StrCat("emp-", cc, "-", rng_.Below(50));
  const std::string cur = a.home->currency;
  if ((cur == "USD" || cur == "EUR") && rng_.Chance(options_.remitter_share)) {
    a.fx_beneficiary = absl::StrCat("fxb-", index);
  }
  for (int k = 0, n = static_cast<int>(rng_.Range(1, 3)); k < n; ++k) {
    a.devices.push_back(absl::StrCat("dev-", index, "-", k));
  }
  a.ip = absl::StrCat("100.", 64 + rng_.Below(64), ".", rng_.Below(256), ".",
                      1 + rng_.Below(254));
  a.balance = a.budget * rng_.Range(25, 40);
  const int64_t open = options_.start_time_ms + rng_.Range(0, 2 * kHourMs);
  a.next_session_ms = open;
  a.next_snapshot_ms = NextLocalTime(a, open + kHourMs, 23, 50);
  a.next_salary_ms =
      NextLocalTime(a, open + rng_.Range(1, 7) * kDayMs - kDayMs / 2, 9, 0);
  a.busy_until_ms = open;
  if (options_.hard_negatives) SetUpHardNegatives(*this, a, index, open);
  Schedule(index);
}

const std::string& Sim::Channel(Role role) const {
  const size_t i =
      std::min(static_cast<size_t>(role), options_.channels.size() - 1);
  return options_.channels[i];
}

std::unique_ptr<Event> Sim::Make(const Account& account,
                                 riskflow::v1::EventType type, int64_t t,
                                 Role role) const {
  auto e = std::make_unique<Event>();
  e->set_channel_id(Channel(role));
  e->set_type(type);
  e->set_event_time_ms(t);
  e->set_account_id(account.id);
  // On a trip, the card terminal and the phone are abroad; the bank is not.
  e->set_country(account.abroad != nullptr && role != Role::kRails
                     ? account.abroad->country
                     : account.home->country);
  return e;
}

void Sim::Locate(const Account& account, Event* e) {
  const City& c = account.current_city();
  // ~3 km of scatter: phones and terminals across a city, far under
  // impossible_travel's 100 km noise floor.
  const double lat =
      std::round((c.latitude + 0.03 * rng_.Normal()) * 1e4) / 1e4;
  const double lon =
      std::round((c.longitude + 0.03 * rng_.Normal()) * 1e4) / 1e4;
  // 700 km/h leaves a margin under the detector's 900.
  if (account.location.WouldTravelTooFast(lat, lon, e->event_time_ms(), 700)) {
    return;
  }
  e->set_latitude(lat);
  e->set_longitude(lon);
}

int Sim::LocalHour(const Account& account, int64_t t) const {
  const int64_t hours = t / kHourMs + account.current_city().tz_hours;
  return static_cast<int>(((hours % 24) + 24) % 24);
}

int64_t Sim::NextLocalTime(const Account& account, int64_t from, int hour,
                           int minute) {
  const int64_t tz = account.home->cities[account.home_city].tz_hours * kHourMs;
  const int64_t local = from + tz;
  int64_t t =
      local / kDayMs * kDayMs + hour * kHourMs + minute * kMinuteMs - tz;
  if (t < from) t += kDayMs;
  return t;
}

int64_t Sim::NextSessionTime(const Account& account, int64_t from) {
  // Thinning: candidates at the peak rate, kept with the hour's intensity,
  // give a Poisson process that follows the daily curve.
  const double peak_per_day =
      sessions_per_day_ * account.activity / MeanIntensity();
  int64_t t = from;
  for (int i = 0; i < 10000; ++i) {
    t += static_cast<int64_t>(rng_.Exponential(kDayMs / peak_per_day));
    if (t >= end_ms_ || rng_.Chance(HourIntensity(LocalHour(account, t)))) {
      return t;
    }
  }
  return t;
}

std::string Sim::NewId(const char* kind) {
  return absl::StrCat(kind, "-", ++names_);
}

int64_t Sim::Ceiling(const std::string& currency) const {
  // 20,000 CNY: under 1/2 of new_beneficiary's and cross_border's 50,000
  // and 1/5 of large_payout's 100,000, in every currency they know.
  constexpr double kCeilingCny = 2000000;
  for (const HomeCountry& h : HomeCountries()) {
    if (currency == h.currency) {
      return static_cast<int64_t>(kCeilingCny / h.cny_per_unit);
    }
  }
  return static_cast<int64_t>(kCeilingCny);
}

void Sim::Commit(Account& a, const Event& e) {
  const int64_t t = e.event_time_ms();
  const bool home = e.currency() == a.home->currency;
  switch (e.type()) {
    case riskflow::v1::PAYMENT:
    case riskflow::v1::PAYOUT:
    case riskflow::v1::TRANSFER:
      // balance_reconciliation charges an FX debit's source amount.
      if (!e.source_currency().empty() && e.source_amount_minor() > 0) {
        if (e.source_currency() == a.home->currency) {
          a.balance -= e.source_amount_minor();
        }
      } else if (home) {
        a.balance -= e.amount_minor();
      }
      a.Outflow(e.currency()).OnDebit(t, e.amount_minor());
      a.debits.OnDebit(e);
      break;
    case riskflow::v1::DEPOSIT:
    case riskflow::v1::REFUND:
      if (home) a.balance += e.amount_minor();
      a.Outflow(e.currency()).OnCredit(t, e.amount_minor());
      break;
    case riskflow::v1::BALANCE_SNAPSHOT:
      a.Outflow(e.currency()).OnSnapshot(t, e.amount_minor());
      // The detector re-bases on every snapshot; so does the truth (an
      // injected mismatch is money that really went missing).
      if (home) a.balance = e.amount_minor();
      break;
    case riskflow::v1::LOGIN:
      a.auth.OnLogin(t);
      break;
    case riskflow::v1::AUTH_FAILURE:
      a.auth.OnFailure(t);
      break;
    default:
      break;
  }
  const bool money = IsDebit(e.type()) || e.type() == riskflow::v1::DEPOSIT ||
                     e.type() == riskflow::v1::REFUND;
  if (money && !e.counterparty().empty() && !a.Knows(e.counterparty())) {
    a.known.push_back(e.counterparty());
  }
  if (IsDebit(e.type()) || e.type() == riskflow::v1::LOGIN) {
    a.location.OnLocated(e.latitude(), e.longitude(), e.country(), t);
  }
}

void Sim::Emit(Account& account, std::unique_ptr<Event> e) {
  if (account.hard_negative != nullptr) {
    (*e->mutable_attributes())[kHardNegativeKey] = account.hard_negative;
  }
  Commit(account, *e);
  const int64_t t = e->event_time_ms();
  pending_.push_back({t, seq_++, std::move(e)});
  std::push_heap(pending_.begin(), pending_.end(), PendingLater());
}

int64_t Sim::NextDue(const Account& a) const {
  return std::max(a.busy_until_ms,
                  std::min({a.next_session_ms, a.next_snapshot_ms,
                            a.next_salary_ms, a.next_payday_ms,
                            a.next_settlement_ms}));
}

void Sim::Schedule(uint32_t index) {
  Account& a = accounts_[index];
  const int64_t due = NextDue(a);
  if (due >= end_ms_) return;
  schedule_.emplace_back(due, index);
  std::push_heap(schedule_.begin(), schedule_.end(), std::greater<Slot>());
}

void Sim::RunAction(uint32_t index) {
  Account& a = accounts_[index];
  const int64_t t = NextDue(a);
  int64_t last = t;
  // Hard negatives' dates; never due when they are off.
  const int64_t monthly = std::min(a.next_payday_ms, a.next_settlement_ms);
  if (!a.opened || a.next_snapshot_ms <= std::min({a.next_session_ms,
                                                   a.next_salary_ms, monthly})) {
    // Opening and end-of-day snapshots report the implied balance exactly.
    auto e = Make(a, riskflow::v1::BALANCE_SNAPSHOT, t, Role::kRails);
    e->set_amount_minor(a.balance);
    e->set_currency(a.home->currency);
    Emit(a, std::move(e));
    if (a.opened) {
      a.next_snapshot_ms =
          NextLocalTime(a, t + kHourMs, 23, 50) + rng_.Range(0, 8 * kMinuteMs);
    }
    a.opened = true;
  } else if (a.next_salary_ms <= std::min(a.next_session_ms, monthly)) {
    // Weekly pay, topped up towards ~30 days of spending so the balance
    // neither drains (sudden_outflow's balance rule) nor explodes.
    const int64_t target = 30 * a.budget;
    const int64_t amount =
        std::max(5 * a.budget, target - a.balance + 5 * a.budget) / 100 * 100;
    auto e = Make(a, riskflow::v1::DEPOSIT, t, Role::kRails);
    e->set_counterparty(a.employer);
    e->set_amount_minor(std::max<int64_t>(100, amount));
    e->set_currency(a.home->currency);
    Emit(a, std::move(e));
    a.next_salary_ms = t + 7 * kDayMs;
  } else if (a.next_payday_ms <=
             std::min(a.next_session_ms, a.next_settlement_ms)) {
    // The standing orders run up to 3h later: none that would end after
    // the stream.
    if (t + 4 * kHourMs < end_ms_) last = std::max(t, RunPayday(*this, a, t));
    a.next_payday_ms = t + 30 * kDayMs;
  } else if (a.next_settlement_ms <= a.next_session_ms) {
    if (t + kHourMs < end_ms_) {
      last = std::max(t, RunSettlement(*this, a, t));
    }
    a.next_settlement_ms =
        NextLocalTime(a, t + 12 * kHourMs, 17, 0) + rng_.Range(0, kHourMs);
  } else {
    const bool first = !a.had_session;
    a.had_session = true;
    const double p_inject = options_.anomaly_rate * kEventsPerSession;
    int64_t episode_end = -1;
    // No anomaly on a trip: the episodes are shaped against home.
    if (!first && a.abroad == nullptr && rng_.Chance(p_inject)) {
      const auto scenario = static_cast<Scenario>(next_scenario_);
      episode_end = InjectAnomaly(*this, a, scenario, t);
      if (episode_end >= 0) {
        ++stats_.episodes[next_scenario_];
        next_scenario_ = (next_scenario_ + 1) % kScenarioCount;
      }
    }
    if (episode_end >= 0) {
      last = episode_end + kEpisodeCooldownMs;
    } else {
      last = std::max(t, RunBenignSession(*this, a, t, first));
    }
    a.next_session_ms =
        NextSessionTime(a, last + kMinGapMs + rng_.Range(0, 15 * kMinuteMs));
  }
  a.busy_until_ms = std::max(a.busy_until_ms, last + kSecondMs);
  Schedule(index);
}

bool Sim::Next(Event* event) {
  if (options_.max_events != 0 && emitted_ >= options_.max_events) {
    return false;
  }
  // Run every action due no later than the earliest queued event: actions
  // only emit at or after their own time, so nothing earlier can follow.
  while (
      !schedule_.empty() &&
      (pending_.empty() || schedule_.front().first <= pending_.front().time)) {
    std::pop_heap(schedule_.begin(), schedule_.end(), std::greater<Slot>());
    const uint32_t index = schedule_.back().second;
    schedule_.pop_back();
    RunAction(index);
  }
  if (pending_.empty()) return false;
  // The stream ends with `days`: a session started just before the end
  // does not run past it. (Only with hard negatives, so that the clean
  // traffic stays byte for byte what it was.)
  if (options_.hard_negatives && pending_.front().time >= end_ms_) {
    return false;
  }
  std::pop_heap(pending_.begin(), pending_.end(), PendingLater());
  *event = std::move(*pending_.back().event);
  pending_.pop_back();
  event->set_event_id(absl::StrCat(prefix_, "-", ++emitted_));
  ++stats_.events;
  ++stats_.by_type[riskflow::v1::EventType_Name(event->type())];
  ++stats_.by_channel[event->channel_id()];
  auto it = event->attributes().find(kLabelKey);
  if (it != event->attributes().end()) {
    const auto& names = ScenarioNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == it->second) ++stats_.labelled[i];
    }
  }
  return true;
}

}  // namespace riskflow::datagen
