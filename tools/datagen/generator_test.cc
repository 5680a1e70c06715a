// The generator's contract: deterministic per seed, valid events in time
// order, the configured mix, every scenario injected and labelled, and
// benign traffic that stays inside the detectors' limits (snapshots that
// reconcile, amounts under the thresholds, no trips abroad, sane FX).
#include "tools/datagen/generator.h"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/log/event_validator.h"
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
  // account's first visit (to its 3 favourite merchants) pays.
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

// The benign side of the thresholds in all_detectors.yaml.
TEST(GeneratorTest, BenignTrafficStaysUnderTheLimits) {
  GeneratorOptions o = Modest(11);
  o.accounts = 150;
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

}  // namespace
}  // namespace riskflow::datagen
