// A realistic, seedable synthetic event stream for the demo, the tests and
// the benchmarks: accounts with home countries, currencies, daily cycles,
// heavy-tailed spending, logins, devices, known merchants and beneficiaries,
// salaries and daily balance snapshots that reconcile, on several channels;
// plus labelled injected anomalies, one kind per built-in detector.
//
// Events come out in event-time order, one at a time (Next), from a
// per-account schedule: memory grows with the number of accounts, not with
// the number of events, so 10M+ event streams are fine.
//
// Hard negatives (hard_negatives.h, on by default): benign behaviours that
// real traffic has and that a detector tuned on clean traffic flags —
// quiet accounts with an occasional big day, merchants with bursty payouts,
// monthly salary and rent days, trips abroad, paying the same payee twice
// on purpose, small-amount accounts. With them on, benign debits are no
// longer capped by the sudden_outflow replica (real customers do not know
// the detector's ratio); the absolute limits (amount thresholds, velocity
// sums, duplicates) still hold. They carry no label: they are benign.
//
// Labels: every event an injected anomaly expects a detector to flag
// carries attributes {"label": "<detector plugin name>"}; the other events
// of an anomaly episode (the first of a burst, a PROFILE_CHANGE, a top-up
// before a large payout) carry {"episode": "<plugin name>"}; benign events
// carry neither.
#ifndef RISKFLOW_TOOLS_DATAGEN_GENERATOR_H_
#define RISKFLOW_TOOLS_DATAGEN_GENERATOR_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::datagen {

inline constexpr char kLabelKey[] = "label";
inline constexpr char kEpisodeKey[] = "episode";
// Benign events of a hard negative carry {"hard_negative": "<behaviour>"}
// (hard_negatives.h); still benign: no label, no episode.
inline constexpr char kHardNegativeKey[] = "hard_negative";

// One injected anomaly kind per built-in detector plugin; the name is the
// plugin's name (what the label says).
enum class Scenario {
  kVelocity,
  kLargeAmount,
  kDuplicatePayout,
  kSuddenOutflow,
  kAuthFailures,
  kImpossibleTravel,
  kNewBeneficiary,
  kFxSanity,
  kCrossBorder,
  kUnknownCounterparty,
  kBalanceReconciliation,
};
inline constexpr int kScenarioCount = 11;
const char* ScenarioName(Scenario s);
const std::vector<std::string>& ScenarioNames();

struct GeneratorOptions {
  uint64_t seed = 42;
  uint32_t accounts = 1000;
  // Size of the merchant pool, shared by the accounts of each country.
  uint32_t merchants = 200;
  uint32_t days = 7;
  int64_t start_time_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  // Average benign events per account per day, all types together.
  double events_per_account_per_day = 8;
  // Expected injected anomaly episodes per benign event.
  double anomaly_rate = 0.001;
  // 0 = until `days` end; otherwise stop after this many events.
  uint64_t max_events = 0;
  // Channel roles in order: card acquiring (card payments, refunds), the
  // app (logins, wallet payments, profile changes), bank rails (payouts,
  // transfers, deposits, balance snapshots). Fewer names reuse the last.
  std::vector<std::string> channels = {"card-acq-1", "wallet-app",
                                       "bank-rails"};
  // Relative weights of benign session kinds.
  double card_weight = 0.40;
  double wallet_weight = 0.25;
  double payout_weight = 0.10;
  double transfer_weight = 0.07;
  double login_only_weight = 0.16;
  double profile_change_weight = 0.02;
  // Share of USD and EUR accounts that regularly send FX payouts to CNY.
  double remitter_share = 0.3;
  // Event ids are "<prefix>-<n>"; empty means "dg<seed>".
  std::string id_prefix;
  // The hard negatives above; false gives the clean traffic of datagen
  // before them, byte for byte.
  bool hard_negatives = true;
  // Shares of accounts (exclusive) that are small-amount, quiet and
  // merchants; share of accounts paid monthly (salary and rent day); chance
  // per session that an account at home starts a trip abroad.
  double small_account_share = 0.10;
  double quiet_account_share = 0.12;
  double merchant_share = 0.02;
  double monthly_pay_share = 0.40;
  double trip_chance = 0.001;
};

class Sim;  // the per-account schedule and state (sim.h)

struct GeneratorStats {
  uint64_t events = 0;
  std::map<std::string, uint64_t> by_type;  // EventType name
  std::map<std::string, uint64_t> by_channel;
  std::array<uint64_t, kScenarioCount> episodes{};  // injected per scenario
  std::array<uint64_t, kScenarioCount> labelled{};  // labelled events
  uint64_t benign_debits_capped = 0;   // amounts lowered by a guard
  uint64_t benign_debits_skipped = 0;  // debits a guard dropped
  // Hard-negative episodes by behaviour name (hard_negatives.h), e.g.
  // "quiet_big_day" -> 12.
  std::map<std::string, uint64_t> hard_negatives;
};

class Generator {
 public:
  explicit Generator(GeneratorOptions options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // The next event in event-time order; false when the stream has ended.
  bool Next(riskflow::v1::Event* event);

  // Counts of what Next has returned so far.
  const GeneratorStats& stats() const;
  const GeneratorOptions& options() const;

 private:
  std::unique_ptr<Sim> sim_;
};

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_GENERATOR_H_
