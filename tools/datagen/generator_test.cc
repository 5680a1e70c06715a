// The generator's contract: deterministic per seed, valid events in time
// order, the configured mix, every scenario injected and labelled, and
// benign traffic that stays inside the detectors' limits (snapshots that
// reconcile, amounts under the thresholds, no trips abroad, sane FX).
#include "tools/datagen/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/log/event_validator.h"
#include "tools/datagen/hard_negatives.h"
#include "tools/datagen/writer.h"

namespace riskflow::datagen {
namespace {

using riskflow::v1::Event;

GeneratorOptions Modest(uint64_t seed = 42) {
  GeneratorOptions o;
  o.seed = seed;
  o.accounts = 40;
  o.days = 14;
  o.anomaly_rate = 0.02;
  return o;
}

std::vector<Event> Generate(const GeneratorOptions& o) {
  Generator g(o);
  std::vector<Event> events;
  Event e;
  while (g.Next(&e)) events.push_back(e);
  return events;
}

std::string Bytes(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) out += EventToJson(e) + "\n";
  return out;
}

std::string Attr(const Event& e, const std::string& key) {
  auto it = e.attributes().find(key);
  return it == e.attributes().end() ? "" : it->second;
}

bool Benign(const Event& e) {
  return Attr(e, kLabelKey).empty() && Attr(e, kEpisodeKey).empty();
}

bool IsDebit(const Event& e) {
  return e.type() == riskflow::v1::PAYMENT ||
         e.type() == riskflow::v1::PAYOUT || e.type() == riskflow::v1::TRANSFER;
}

TEST(GeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  const std::string a = Bytes(Generate(Modest(42)));
  EXPECT_EQ(a, Bytes(Generate(Modest(42))));
  EXPECT_NE(a, Bytes(Generate(Modest(43))));
}

TEST(GeneratorTest, ValidUniqueAndInTimeOrder) {
  const std::vector<Event> events = Generate(Modest());
  ASSERT_GT(events.size(), 3000u);
  std::set<std::string> ids;
  std::map<std::string, int64_t> last_of_account;
  int64_t last = 0;
  for (const Event& e : events) {
    ASSERT_TRUE(log::ValidateEvent(e).ok())
        << log::ValidateEvent(e) << ": " << EventToJson(e);
    EXPECT_TRUE(ids.insert(e.event_id()).second) << e.event_id();
    EXPECT_GE(e.event_time_ms(), last) << e.event_id();
    last = e.event_time_ms();
    // Strictly increasing per account: balance_reconciliation and
    // sudden_outflow treat ties with a snapshot specially.
    auto [it, fresh] = last_of_account.emplace(e.account_id(), 0);
    EXPECT_GT(e.event_time_ms(), it->second) << e.event_id();
    it->second = e.event_time_ms();
  }
  const GeneratorOptions o = Modest();
  EXPECT_GE(events.front().event_time_ms(), o.start_time_ms);
  EXPECT_LT(events.back().event_time_ms(),
            o.start_time_ms + o.days * 86400000LL);
}

TEST(GeneratorTest, MixIsRoughlyAsConfigured) {
  GeneratorOptions o = Modest();
  o.accounts = 200;
  o.anomaly_rate = 0;
  Generator g(o);
  Event e;
  std::map<std::string, double> by_type, by_channel;
  std::map<std::string, std::set<std::string>> types_of_channel;
  double n = 0;
  while (g.Next(&e)) {
    ++n;
    ++by_type[riskflow::v1::EventType_Name(e.type())];
    ++by_channel[e.channel_id()];
    types_of_channel[e.channel_id()].insert(
        riskflow::v1::EventType_Name(e.type()));
  }
  const double per_account_day = n / (o.accounts * o.days);
  EXPECT_NEAR(per_account_day, o.events_per_account_per_day,
              0.25 * o.events_per_account_per_day);
  // One snapshot per account per day, payments the bulk, logins next.
  EXPECT_NEAR(by_type["BALANCE_SNAPSHOT"] / n, 1.0 / 8, 0.03);
  EXPECT_GT(by_type["PAYMENT"] / n, 0.30);
  EXPECT_LT(by_type["PAYMENT"] / n, 0.60);
  EXPECT_GT(by_type["LOGIN"] / n, 0.15);
  for (const char* t : {"PAYOUT", "TRANSFER", "DEPOSIT", "REFUND",
                        "AUTH_FAILURE", "PROFILE_CHANGE"}) {
    EXPECT_GT(by_type[t], 0) << t;
  }
  for (const std::string& c : o.channels)
    EXPECT_GT(by_channel[c] / n, 0.1) << c;
  EXPECT_EQ(types_of_channel["card-acq-1"],
            (std::set<std::string>{"PAYMENT", "REFUND"}));
  EXPECT_EQ(types_of_channel["bank-rails"].count("LOGIN"), 0u);
  EXPECT_EQ(g.stats().events, static_cast<uint64_t>(n));

  // The weights steer the mix: without card and wallet sessions only each
  // account's first visit (to its 3 favourite merchants) pays. (Hard
  // negatives pay shops whatever the weights: the clean traffic here.)
  o.hard_negatives = false;
  o.wallet_weight = 0;
  o.card_weight = 0;
  Generator quiet(o);
  int payments = 0;
  while (quiet.Next(&e)) payments += e.type() == riskflow::v1::PAYMENT;
  EXPECT_LE(payments, 3 * static_cast<int>(o.accounts));
}

TEST(GeneratorTest, EveryScenarioInjectedAndLabelled) {
  Generator g(Modest());
  Event e;
  std::map<std::string, int> labels;
  while (g.Next(&e)) {
    const std::string label = Attr(e, kLabelKey);
    if (!label.empty()) ++labels[label];
  }
  for (int i = 0; i < kScenarioCount; ++i) {
    const std::string name = ScenarioNames()[i];
    EXPECT_GE(g.stats().episodes[i], 1u) << name;
    EXPECT_GE(labels[name], 1) << name;
    EXPECT_EQ(g.stats().labelled[i], static_cast<uint64_t>(labels[name]));
  }
  EXPECT_EQ(labels.size(), static_cast<size_t>(kScenarioCount));
}

TEST(GeneratorTest, NoAnomaliesAtRateZero) {
  GeneratorOptions o = Modest();
  o.anomaly_rate = 0;
  for (const Event& e : Generate(o)) ASSERT_TRUE(Benign(e)) << EventToJson(e);
}

// balance_reconciliation's rule, replayed: every snapshot not labelled as
// a mismatch equals the previous snapshot plus credits minus debits (FX
// debits charge their source amount).
TEST(GeneratorTest, SnapshotsReconcileWithImpliedBalance) {
  std::map<std::string, int64_t> implied;  // account|currency
  int checked = 0;
  int mismatches = 0;
  for (const Event& e : Generate(Modest(7))) {
    const bool fx = !e.source_currency().empty() && e.source_amount_minor() > 0;
    const std::string key =
        e.account_id() + "|" + (fx ? e.source_currency() : e.currency());
    auto it = implied.find(key);
    if (e.type() == riskflow::v1::BALANCE_SNAPSHOT) {
      if (it != implied.end()) {
        if (Attr(e, kLabelKey) == "balance_reconciliation") {
          EXPECT_NE(e.amount_minor(), it->second) << e.event_id();
          ++mismatches;
        } else {
          EXPECT_EQ(e.amount_minor(), it->second) << EventToJson(e);
          ++checked;
        }
      }
      implied[key] = e.amount_minor();
    } else if (it == implied.end()) {
      continue;
    } else if (IsDebit(e)) {
      it->second -= fx ? e.source_amount_minor() : e.amount_minor();
    } else if (e.type() == riskflow::v1::DEPOSIT ||
               e.type() == riskflow::v1::REFUND) {
      it->second += e.amount_minor();
    }
  }
  EXPECT_GT(checked, 400);
  EXPECT_GT(mismatches, 0);
}

// The benign side of the thresholds in all_detectors.yaml, in the clean
// traffic (no trips abroad there). With hard negatives the absolute limits
// still hold: BenignHardNegativesStayUnderTheAbsoluteLimits.
TEST(GeneratorTest, BenignTrafficStaysUnderTheLimits) {
  GeneratorOptions o = Modest(11);
  o.accounts = 150;
  o.hard_negatives = false;
  std::map<std::string, std::string> home;
  int fx = 0;
  for (const Event& e : Generate(o)) {
    if (!Benign(e)) continue;
    home.emplace(e.account_id(), e.country());
    EXPECT_EQ(e.country(), home[e.account_id()]) << EventToJson(e);
    if (!IsDebit(e)) continue;
    const int64_t a = e.amount_minor();
    // new_beneficiary / cross_border (CNY, USD), large_payout (EUR).
    const std::map<std::string, int64_t> kLimits = {
        {"CNY", 5000000}, {"USD", 700000}, {"EUR", 1300000}};
    auto limit = kLimits.find(e.currency());
    if (limit != kLimits.end()) {
      EXPECT_LT(a, limit->second) << EventToJson(e);
    }
    if (!e.source_currency().empty()) {
      ++fx;
      const double rate = e.source_currency() == "USD" ? 7.10 : 7.80;
      const double effective =
          static_cast<double>(a) / static_cast<double>(e.source_amount_minor());
      EXPECT_LT(std::fabs(effective / rate - 1), 0.006) << EventToJson(e);
    }
    if (e.counterparty_country() != e.country()) {
      EXPECT_EQ(e.counterparty_country(), "CN") << EventToJson(e);
    }
  }
  EXPECT_GT(fx, 10);
}

TEST(GeneratorTest, MaxEventsStopsTheStream) {
  GeneratorOptions o = Modest();
  o.max_events = 123;
  Generator g(o);
  Event e;
  int n = 0;
  while (g.Next(&e)) ++n;
  EXPECT_EQ(n, 123);
  EXPECT_FALSE(g.Next(&e));
}

TEST(GeneratorTest, CustomChannelsAndPrefix) {
  GeneratorOptions o = Modest();
  o.accounts = 5;
  o.days = 2;
  o.channels = {"acq", "app", "rails"};
  o.id_prefix = "run7";
  std::set<std::string> channels;
  for (const Event& e : Generate(o)) {
    channels.insert(e.channel_id());
    EXPECT_EQ(e.event_id().rfind("run7-", 0), 0u) << e.event_id();
  }
  EXPECT_EQ(channels, (std::set<std::string>{"acq", "app", "rails"}));
}

// --- hard negatives (hard_negatives.h) ---

uint64_t Fnv1a(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// hard_negatives = false is the generator before them, byte for byte: this
// digest is of `datagen --seed 7 --days 10 --accounts 300 --anomaly_rate
// 0.01` as written before hard negatives existed (5,669,382 bytes).
TEST(GeneratorTest, HardNegativesOffIsTheOldStreamByteForByte) {
  GeneratorOptions o;
  o.seed = 7;
  o.days = 10;
  o.accounts = 300;
  o.anomaly_rate = 0.01;
  o.hard_negatives = false;
  Generator g(o);
  const std::string bytes = Bytes(Generate(o));
  EXPECT_EQ(bytes.size(), 5669382u);
  EXPECT_EQ(Fnv1a(bytes), 0x7d52e20789261842ULL);
  for (const Event& e : Generate(o)) {
    ASSERT_TRUE(Attr(e, kHardNegativeKey).empty()) << EventToJson(e);
  }
  EXPECT_TRUE(g.stats().hard_negatives.empty());
}

// A stream long and wide enough for every hard negative: 30 days (a pay
// day each), 400 accounts (merchants, trips).
const std::vector<Event>& HardStream() {
  static const auto* events = [] {
    GeneratorOptions o = Modest(5);
    o.accounts = 400;
    o.days = 30;
    o.anomaly_rate = 0.002;
    return new std::vector<Event>(Generate(o));
  }();
  return *events;
}

std::map<std::string, std::vector<const Event*>> ByAccount(
    const std::vector<Event>& events) {
  std::map<std::string, std::vector<const Event*>> out;
  for (const Event& e : events) out[e.account_id()].push_back(&e);
  return out;
}

// An account's average debit per day over the stream (home currency),
// leaving out the hard negative `except` (its usual days, not the big one).
double DailyDebits(const std::vector<const Event*>& events, int days,
                   const std::string& except = "") {
  double sum = 0;
  for (const Event* e : events) {
    if (IsDebit(*e) && e->source_currency().empty() &&
        (except.empty() || Attr(*e, kHardNegativeKey) != except)) {
      sum += e->amount_minor();
    }
  }
  return sum / days;
}

TEST(HardNegativesTest, EveryBehaviourIsThereDeterministicAndBenign) {
  GeneratorOptions o = Modest(5);
  o.accounts = 400;
  o.days = 30;
  o.anomaly_rate = 0.002;
  Generator g(o);
  std::map<std::string, int> tagged;
  Event e;
  while (g.Next(&e)) {
    const std::string tag = Attr(e, kHardNegativeKey);
    if (tag.empty()) continue;
    ++tagged[tag];
    // Benign: never a label or an episode.
    EXPECT_TRUE(Attr(e, kLabelKey).empty()) << EventToJson(e);
    EXPECT_TRUE(Attr(e, kEpisodeKey).empty()) << EventToJson(e);
  }
  for (const char* name : kHardNegativeNames) {
    EXPECT_GE(g.stats().hard_negatives.at(name), 3u) << name;
    EXPECT_GE(tagged[name], 3) << name;
  }
  EXPECT_EQ(Bytes(HardStream()), Bytes(Generate(o)));
}

// small_account_treat: 3-30 CNY a day, then ~6 days' worth at once: the
// "172 CNY against 25 CNY a day" of sudden_outflow's history ratio.
TEST(HardNegativesTest, SmallAccountTreatIsManyDailyAveragesOfLittle) {
  const auto accounts = ByAccount(HardStream());
  int treats = 0, over_4x = 0;
  for (const Event& e : HardStream()) {
    if (Attr(e, kHardNegativeKey) != "small_account_treat" || !IsDebit(e)) {
      continue;
    }
    ++treats;
    const double daily =
        DailyDebits(accounts.at(e.account_id()), 30, "small_account_treat");
    over_4x += e.amount_minor() > 4 * daily;
    // Small: under 1,000 CNY in any currency of the generator.
    const double cny = e.currency() == "CNY"   ? 1
                       : e.currency() == "HKD" ? 0.91
                       : e.currency() == "USD" ? 7.1
                       : e.currency() == "GBP" ? 9.0
                                               : 7.8;
    EXPECT_LT(e.amount_minor() * cny, 100000) << EventToJson(e);
  }
  EXPECT_GE(treats, 10);
  EXPECT_GE(over_4x, treats / 2);
}

// quiet_big_day: a quiet account's purchase of many daily averages, with
// the money moved in first so it is at most half of the balance.
TEST(HardNegativesTest, QuietBigDayIsFarAboveTheAverageAndFunded) {
  const auto accounts = ByAccount(HardStream());
  int days = 0, over_10x = 0;
  for (const Event& e : HardStream()) {
    if (Attr(e, kHardNegativeKey) != "quiet_big_day" ||
        e.type() != riskflow::v1::PAYMENT) {
      continue;
    }
    ++days;
    const auto& mine = accounts.at(e.account_id());
    over_10x += e.amount_minor() > 10 * DailyDebits(mine, 30, "quiet_big_day");
    // Quiet: well under the stream's 8 events per account-day.
    EXPECT_LT(static_cast<double>(mine.size()) / 30, 5) << e.account_id();
  }
  EXPECT_GE(days, 3);
  EXPECT_GE(over_10x, days / 2);
}

// split_bill: the same shop twice within minutes, amounts that differ (so
// never a duplicate_payout copy).
TEST(HardNegativesTest, SplitBillPaysOneShopTwiceWithDifferentAmounts) {
  std::map<std::string, const Event*> previous;  // account -> last split
  int pairs = 0;
  for (const Event& e : HardStream()) {
    if (Attr(e, kHardNegativeKey) != "split_bill" ||
        e.type() != riskflow::v1::PAYMENT) {
      continue;
    }
    auto it = previous.find(e.account_id());
    if (it != previous.end() &&
        it->second->counterparty() == e.counterparty() &&
        e.event_time_ms() - it->second->event_time_ms() <= 8 * 60000) {
      ++pairs;
      EXPECT_NE(it->second->amount_minor(), e.amount_minor())
          << EventToJson(e);
      previous.erase(it);
      continue;
    }
    previous[e.account_id()] = &e;
  }
  EXPECT_GE(pairs, 10);
}

// same_payee_later: the same shop and the same amount again, an hour or
// more later (outside duplicate_payout's 10 minutes).
TEST(HardNegativesTest, SamePayeeLaterRepeatsTheAmountHoursApart) {
  std::map<std::string, std::vector<const Event*>> by_account;
  for (const Event& e : HardStream()) {
    if (Attr(e, kHardNegativeKey) == "same_payee_later" &&
        e.type() == riskflow::v1::PAYMENT) {
      by_account[e.account_id()].push_back(&e);
    }
  }
  int repeats = 0;
  for (const auto& [account, payments] : by_account) {
    for (size_t i = 1; i < payments.size(); ++i) {
      const Event& a = *payments[i - 1];
      const Event& b = *payments[i];
      if (a.counterparty() != b.counterparty() ||
          a.amount_minor() != b.amount_minor()) {
        continue;
      }
      ++repeats;
      EXPECT_GE(b.event_time_ms() - a.event_time_ms(), 3600000)
          << EventToJson(b);
    }
  }
  EXPECT_GE(repeats, 10);
}

// trip_abroad: located events abroad after a flight no faster than 900 km/h
// from the last located event at home (never IMPOSSIBLE_TRAVEL), at shops
// of the visited country, and home again.
TEST(HardNegativesTest, TripsAbroadArePlausibleFlights) {
  std::map<std::string, std::string> home;
  struct Place {
    double lat = 0, lon = 0;
    int64_t t = -1;
  };
  std::map<std::string, Place> last;
  int abroad = 0, returned = 0;
  std::map<std::string, bool> away;
  for (const Event& e : HardStream()) {
    if (e.type() == riskflow::v1::BALANCE_SNAPSHOT) {
      home.emplace(e.account_id(), e.country());
    }
    if (!Benign(e)) continue;
    const bool is_abroad = e.country() != home[e.account_id()];
    if (is_abroad) {
      ++abroad;
      EXPECT_EQ(Attr(e, kHardNegativeKey), "trip_abroad") << EventToJson(e);
      if (e.type() == riskflow::v1::PAYMENT) {
        EXPECT_EQ(e.counterparty_country(), e.country()) << EventToJson(e);
      }
    } else if (away[e.account_id()] && e.latitude() != 0) {
      ++returned;
    }
    if (e.latitude() != 0 || e.longitude() != 0) away[e.account_id()] = is_abroad;
    if (e.latitude() == 0 && e.longitude() == 0) continue;
    Place& p = last[e.account_id()];
    if (p.t >= 0) {
      const double km = std::acos(std::min(
          1.0, std::sin(p.lat * M_PI / 180) * std::sin(e.latitude() * M_PI / 180) +
                   std::cos(p.lat * M_PI / 180) *
                       std::cos(e.latitude() * M_PI / 180) *
                       std::cos((e.longitude() - p.lon) * M_PI / 180))) *
                        6371.0;
      const double hours =
          std::max<int64_t>(1, e.event_time_ms() - p.t) / 3600000.0;
      if (km >= 100) EXPECT_LE(km / hours, 900) << EventToJson(e);
    }
    p = {e.latitude(), e.longitude(), e.event_time_ms()};
  }
  EXPECT_GE(abroad, 20);
  EXPECT_GE(returned, 1);
}

// payday: salary in, then rent, a utility and savings out within a minute,
// the rent alone several daily averages.
TEST(HardNegativesTest, PaydayIsSalaryThenStandingOrders) {
  const auto accounts = ByAccount(HardStream());
  int paydays = 0, big_rent = 0;
  for (const auto& [account, events] : accounts) {
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& salary = *events[i];
      if (Attr(salary, kHardNegativeKey) != "payday" ||
          salary.type() != riskflow::v1::DEPOSIT) {
        continue;
      }
      ++paydays;
      std::vector<const Event*> orders;
      for (size_t j = i + 1;
           j < events.size() && Attr(*events[j], kHardNegativeKey) == "payday";
           ++j) {
        orders.push_back(events[j]);
      }
      if (orders.empty()) continue;  // a guard skipped them
      EXPECT_LE(orders.back()->event_time_ms() - orders.front()->event_time_ms(),
                60000);
      const Event& rent = *orders.front();
      if (rent.counterparty().rfind("landlord-", 0) == 0) {
        big_rent += rent.amount_minor() > 5 * DailyDebits(events, 30, "payday");
      }
    }
  }
  EXPECT_GE(paydays, 100);
  EXPECT_GE(big_rent, paydays / 2);
}

// merchant_payout_run: 6+ supplier payouts a few seconds apart, never more
// than velocity_extreme would allow (20 a minute), different amounts.
TEST(HardNegativesTest, MerchantPayoutRunsAreBurstsUnderTheExtremeLimit) {
  std::map<std::string, std::vector<const Event*>> runs;
  for (const Event& e : HardStream()) {
    if (Attr(e, kHardNegativeKey) == "merchant_payout_run" &&
        e.type() == riskflow::v1::PAYOUT) {
      runs[e.account_id()].push_back(&e);
    }
  }
  int bursts = 0;
  for (const auto& [account, payouts] : runs) {
    for (size_t i = 0; i < payouts.size(); ++i) {
      int in_minute = 0;
      for (size_t j = i; j < payouts.size() &&
                         payouts[j]->event_time_ms() -
                                 payouts[i]->event_time_ms() <
                             60000;
           ++j) {
        ++in_minute;
        EXPECT_EQ(payouts[j]->counterparty().rfind("sup-", 0), 0u);
      }
      EXPECT_LE(in_minute, 20);
      bursts += in_minute >= 6;
    }
  }
  EXPECT_GE(bursts, 10);
}

// Whatever the hard negatives do, the absolute limits of all_detectors.yaml
// hold for benign traffic: amount thresholds and sane FX.
TEST(HardNegativesTest, BenignHardNegativesStayUnderTheAbsoluteLimits) {
  for (const Event& e : HardStream()) {
    if (!Benign(e) || !IsDebit(e)) continue;
    const std::map<std::string, int64_t> kLimits = {
        {"CNY", 5000000}, {"USD", 700000}, {"EUR", 1300000}};
    auto limit = kLimits.find(e.currency());
    if (limit != kLimits.end()) EXPECT_LT(e.amount_minor(), limit->second);
    if (e.type() != riskflow::v1::PAYMENT) {
      // Payouts and transfers stay domestic (or the CN remittance).
      EXPECT_TRUE(e.counterparty_country() == e.country() ||
                  e.counterparty_country() == "CN")
          << EventToJson(e);
    }
  }
}

}  // namespace
}  // namespace riskflow::datagen
