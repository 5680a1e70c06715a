// Internals of the generator shared by the schedule (generator.cc), benign
// sessions (benign.cc) and anomaly episodes (anomalies.cc). Not a public
// API: use generator.h.
#ifndef RISKFLOW_TOOLS_DATAGEN_SIM_H_
#define RISKFLOW_TOOLS_DATAGEN_SIM_H_

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proto/riskflow/v1/event.pb.h"
#include "tools/datagen/generator.h"
#include "tools/datagen/random.h"
#include "tools/datagen/replicas.h"
#include "tools/datagen/world.h"

namespace riskflow::datagen {

enum class Role { kCard = 0, kApp = 1, kRails = 2 };

struct Account {
  std::string id;
  const HomeCountry* home = nullptr;
  int home_city = 0;
  int city = 0;  // where the holder is now (domestic travel moves it)
  int64_t travel_until_ms = 0;
  // Typical daily spend in home minor units: Pareto across accounts, so a
  // few accounts spend far more than most (the heavy tail).
  int64_t budget = 0;
  std::vector<std::string> merchants;  // favourite domestic merchants
  std::vector<std::string> beneficiaries;
  std::vector<std::string> friends;
  std::string employer;
  std::string fx_beneficiary;  // remitters only: a beneficiary in CN
  std::vector<std::string> devices;
  std::string ip;
  // The balance balance_reconciliation implies (home currency); snapshots
  // report exactly this, so benign snapshots always reconcile.
  int64_t balance = 0;
  bool opened = false;
  bool had_session = false;
  int64_t next_session_ms = 0;
  int64_t next_snapshot_ms = 0;
  int64_t next_salary_ms = 0;
  int64_t busy_until_ms = 0;  // no new action before this
  // unknown_counterparty's memory: every counterparty a money movement
  // has taught it.
  std::vector<std::string> known;
  // --- hard negatives (hard_negatives.cc); inert when they are off ---
  enum class Profile { kOrdinary, kSmall, kQuiet, kMerchant };
  Profile profile = Profile::kOrdinary;
  double activity = 1;  // scales the session rate (quiet accounts: 0.25)
  int64_t next_payday_ms = std::numeric_limits<int64_t>::max();
  int64_t next_settlement_ms = std::numeric_limits<int64_t>::max();
  std::string landlord;  // monthly standing orders' payees
  std::string utility;
  std::string savings;
  std::vector<std::string> suppliers;  // a merchant's payees
  const Place* abroad = nullptr;       // on a trip when set
  int64_t trip_until_ms = 0;
  // A payment the holder will make again, same payee and amount, in a
  // later session at or after repeat_after_ms.
  std::string repeat_payee;
  int64_t repeat_amount = 0;
  int64_t repeat_after_ms = 0;
  // While set, emitted events carry {"hard_negative": tag}.
  const char* hard_negative = nullptr;
  OutflowReplica outflow_home;
  std::map<std::string, OutflowReplica> outflow_other;  // e.g. CNY of FX
  DebitReplica debits;
  AuthReplica auth;
  LocationReplica location;

  bool Knows(const std::string& cp) const;
  OutflowReplica& Outflow(const std::string& currency);
  const City& current_city() const {
    return abroad != nullptr ? abroad->city : home->cities[city];
  }
};

class Sim {
 public:
  explicit Sim(GeneratorOptions options);

  bool Next(riskflow::v1::Event* event);

  // --- for sessions and episodes ---
  Rng& rng() { return rng_; }
  const GeneratorOptions& options() const { return options_; }
  GeneratorStats& stats() { return stats_; }
  const std::string& Channel(Role role) const;
  // A new event of `account` with its home country set.
  std::unique_ptr<riskflow::v1::Event> Make(const Account& account,
                                            riskflow::v1::EventType type,
                                            int64_t t, Role role) const;
  // Coordinates near the holder's current city; dropped (as a channel
  // without geolocation would) when they would look like impossible travel.
  void Locate(const Account& account, riskflow::v1::Event* e);
  // Updates the account's state and replicas, then queues the event.
  void Emit(Account& account, std::unique_ptr<riskflow::v1::Event> e);
  // The largest amount, at most e.amount_minor(), for a benign debit like
  // `e` (type, counterparty, currency and time set) that keeps every
  // detector quiet; 0 means the debit must be skipped (benign.cc).
  // At most `max_per_minute` debits in any minute (velocity_burst allows
  // 5; a merchant's payout run goes up to velocity_extreme's 20).
  int64_t BenignDebitAmount(Account& account, const riskflow::v1::Event& e,
                            int max_per_minute = 3);
  bool hard_negatives() const { return options_.hard_negatives; }
  // Counts one hard-negative episode of `behaviour` (GeneratorStats).
  void CountHardNegative(const char* behaviour) {
    ++stats_.hard_negatives[behaviour];
  }
  // Single-debit ceiling in `currency`, far under every amount threshold.
  int64_t Ceiling(const std::string& currency) const;
  int LocalHour(const Account& account, int64_t t) const;
  // The first hour:minute local time (home city) at or after `from`.
  int64_t NextLocalTime(const Account& account, int64_t from, int hour,
                        int minute);
  std::string NewId(const char* kind);  // e.g. a stranger's id

 private:
  struct Pending {
    int64_t time;
    uint64_t seq;
    std::unique_ptr<riskflow::v1::Event> event;
  };
  struct PendingLater {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  using Slot = std::pair<int64_t, uint32_t>;  // (action time, account)

  void CreateAccount(uint32_t index);
  void Commit(Account& account, const riskflow::v1::Event& e);
  void RunAction(uint32_t index);
  void Schedule(uint32_t index);
  int64_t NextSessionTime(const Account& account, int64_t from);
  int64_t NextDue(const Account& account) const;

  GeneratorOptions options_;
  Rng rng_;
  GeneratorStats stats_;
  std::string prefix_;
  int64_t end_ms_;
  double sessions_per_day_;
  std::vector<Account> accounts_;
  std::vector<Pending> pending_;  // heap by PendingLater
  std::vector<Slot> schedule_;    // min-heap by time, then account
  uint64_t seq_ = 0;
  uint64_t emitted_ = 0;
  uint64_t names_ = 0;
  int next_scenario_ = 0;
};

// benign.cc: one benign session starting at `t`; returns the last event
// time (t - 1 if it emitted nothing).
int64_t RunBenignSession(Sim& sim, Account& account, int64_t t,
                         bool first_session);
// hard_negatives.cc: picks the account's profile and monthly dates at
// creation (only when hard negatives are on).
void SetUpHardNegatives(Sim& sim, Account& account, uint32_t index,
                        int64_t open_ms);
// The monthly pay day: salary in, then standing orders out (rent, a
// utility, savings) within a minute. Returns the last event time.
int64_t RunPayday(Sim& sim, Account& account, int64_t t);
// A merchant's day: card settlement in, then a run of supplier payouts.
int64_t RunSettlement(Sim& sim, Account& account, int64_t t);
// anomalies.cc: injects `scenario` at `t` if the account can carry it;
// returns the episode's last event time, or -1 (nothing emitted).
int64_t InjectAnomaly(Sim& sim, Account& account, Scenario scenario, int64_t t);

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_SIM_H_
