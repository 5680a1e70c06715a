// Small replicas of the stateful detectors' per-account state, kept by the
// generator for every event it emits. Benign behaviour consults them before
// emitting (so "realistic" heavy tails never cross a limit by accident, and
// the side effects of an injected anomaly — a drained balance, a login from
// Lagos — do not make the account's next benign events fire), and anomaly
// injection uses them to label exactly the events a detector will flag.
// They follow the plugins' READMEs and sources; where a replica is not exact
// it errs on the side of a larger sum or a tighter window.
#ifndef RISKFLOW_TOOLS_DATAGEN_REPLICAS_H_
#define RISKFLOW_TOOLS_DATAGEN_REPLICAS_H_

#include <array>
#include <cstdint>
#include <deque>
#include <string>

#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::datagen {

// sudden_outflow (window 1h in 1m buckets, history 30d in 1d buckets,
// multiple 5, min_history_days 7, balance_percent 80) for one account and
// currency.
class OutflowReplica {
 public:
  struct Verdict {
    bool history = false;  // OUTFLOW_VS_HISTORY
    bool balance = false;  // OUTFLOW_VS_BALANCE
  };

  // What the detector would say about a debit of `amount` at `t`.
  Verdict Judge(int64_t t, int64_t amount) const;
  // The largest debit at `t` that keeps both rules at or below `fraction`
  // of their limits (INT64_MAX when neither rule would judge it).
  int64_t MaxDebit(int64_t t, double fraction) const;
  // A debit at `t` that takes the window to `percent` of the known balance
  // (0 when no balance is known or it is not positive).
  int64_t DrainAmount(int64_t t, double percent) const;

  void OnDebit(int64_t t, int64_t amount);
  void OnCredit(int64_t t, int64_t amount);
  void OnSnapshot(int64_t t, int64_t amount);

  // Debits at or after `t - window_ms` (rounded down to the minute), for the
  // velocity sum limits: a superset of velocity's exact 1s-bucket window.
  int64_t RecentSum(int64_t t, int64_t window_ms) const;
  // Today's and yesterday's day buckets: at least any sliding 24h sum.
  int64_t TwoDaySum(int64_t t) const;
  bool has_snapshot() const { return has_snapshot_; }

 private:
  int64_t WindowSum(int64_t t) const;  // the detector's short window at t
  int64_t HistorySum(int64_t t) const;
  // Balance rule inputs before a debit: snapshot + inflows, and outflows.
  int64_t SnapshotPlusInflow() const { return snapshot_ + inflow_; }

  int64_t first_seen_ms_ = -1;
  std::array<int64_t, 32> day_sum_{};
  std::array<int64_t, 32> day_index_{};  // which day a slot holds; 0 = none
  std::deque<std::pair<int64_t, int64_t>> recent_;  // (time, amount), ~2h
  bool has_snapshot_ = false;
  int64_t snapshot_ = 0;
  int64_t snapshot_time_ = 0;
  int64_t inflow_ = 0;
  int64_t outflow_ = 0;
};

// velocity's count window and duplicate_payout's memory: the account's
// last debits.
class DebitReplica {
 public:
  void OnDebit(const riskflow::v1::Event& e);
  // Debits in the 61 s before `t` (velocity counts up to 60.999 s back).
  int CountWithinMinute(int64_t t) const;
  // Whether a debit like this one within the duplicate window exists.
  bool WouldDuplicate(riskflow::v1::EventType type, const std::string& cp,
                      const std::string& currency, int64_t amount,
                      int64_t t) const;
  int64_t last_debit_ms() const {
    return ring_.empty() ? -1 : ring_.back().time;
  }

 private:
  struct Debit {
    int64_t time;
    riskflow::v1::EventType type;
    std::string counterparty;
    std::string currency;
    int64_t amount;
  };
  std::deque<Debit> ring_;  // newest last, at most kKeep
  static constexpr size_t kKeep = 24;
};

// auth_failures: recent failures and the last login.
class AuthReplica {
 public:
  void OnFailure(int64_t t);
  void OnLogin(int64_t t) { last_login_ms_ = t; }
  // Failures in the burst window ending at `t` (inclusive, 1 s slack).
  int FailuresWithin(int64_t t, int64_t window_ms) const;
  // Failures a LOGIN at `t` would look back on.
  int FailuresBeforeLogin(int64_t t) const;

 private:
  std::deque<int64_t> failures_;
  int64_t last_login_ms_ = -1;
};

// impossible_travel: the last coordinates, the countries seen and the last
// alert.
class LocationReplica {
 public:
  // Whether a located event here at `t` would raise a location alert.
  bool WouldAlert(double lat, double lon, const std::string& country,
                  int64_t t) const;
  // Speed check with an explicit limit: benign travel uses a margin below
  // the detector's.
  bool WouldTravelTooFast(double lat, double lon, int64_t t,
                          double max_speed_kmh) const;
  void OnLocated(double lat, double lon, const std::string& country, int64_t t);
  bool KnowsCountry(const std::string& country) const;
  bool has_country() const { return countries_ != 0; }
  int64_t last_alert_ms() const { return last_alert_ms_; }

 private:
  bool has_coords_ = false;
  double lat_ = 0;
  double lon_ = 0;
  int64_t coords_time_ = 0;
  uint64_t countries_ = 0;  // bit CountryIndex(country)
  int64_t last_alert_ms_ = -1;
};

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_REPLICAS_H_
