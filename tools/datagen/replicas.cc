#include "tools/datagen/replicas.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "tools/datagen/world.h"

namespace riskflow::datagen {
namespace {

// sudden_outflow parameters in all_detectors.yaml.
constexpr int64_t kWindowMs = kHourMs;
constexpr int64_t kHistoryDays = 30;
constexpr double kMultiple = 5;
constexpr int64_t kMinHistoryDays = 7;
constexpr double kBalancePercent = 80;

}  // namespace

int64_t OutflowReplica::WindowSum(int64_t t) const {
  // 60 buckets of 1m: the oldest minute bucket is counted whole.
  const int64_t first_bucket = (t - kWindowMs + 1) / kMinuteMs;
  int64_t sum = 0;
  for (const auto& [time, amount] : recent_) {
    if (time / kMinuteMs >= first_bucket && time <= t) sum += amount;
  }
  return sum;
}

int64_t OutflowReplica::HistorySum(int64_t t) const {
  // Day buckets bucket(t - history + 1) .. bucket(t): 31 of them.
  const int64_t first_day = (t - kHistoryDays * kDayMs + 1) / kDayMs;
  int64_t sum = 0;
  for (int64_t d = first_day; d <= t / kDayMs; ++d) {
    const size_t slot = static_cast<size_t>(d % 32);
    if (day_index_[slot] == d) sum += day_sum_[slot];
  }
  return sum;
}

OutflowReplica::Verdict OutflowReplica::Judge(int64_t t, int64_t amount) const {
  Verdict v;
  const int64_t window = WindowSum(t) + amount;
  if (first_seen_ms_ >= 0 && first_seen_ms_ <= t) {
    const int64_t age_days = (t - first_seen_ms_) / kDayMs;
    const int64_t baseline =
        std::max<int64_t>(0, HistorySum(t) + amount - window);
    if (baseline > 0 && age_days >= kMinHistoryDays) {
      const int64_t days =
          std::min(kHistoryDays, std::max<int64_t>(1, age_days));
      v.history = static_cast<double>(window) * static_cast<double>(days) /
                      static_cast<double>(baseline) >
                  kMultiple;
    }
  }
  if (has_snapshot_ && snapshot_time_ <= t) {
    const int64_t out = outflow_ + amount;
    const int64_t outflow = std::min(window, out);
    const int64_t balance = SnapshotPlusInflow() - (out - outflow);
    v.balance = balance > 0 && 100.0 * static_cast<double>(outflow) /
                                       static_cast<double>(balance) >
                                   kBalancePercent;
  }
  return v;
}

int64_t OutflowReplica::MaxDebit(int64_t t, double fraction) const {
  int64_t cap = std::numeric_limits<int64_t>::max();
  const int64_t window = WindowSum(t);
  if (first_seen_ms_ >= 0 && first_seen_ms_ <= t) {
    const int64_t age_days = (t - first_seen_ms_) / kDayMs;
    // The new debit is in both sums, so it cancels out of the baseline.
    const int64_t baseline = std::max<int64_t>(0, HistorySum(t) - window);
    if (baseline > 0 && age_days >= kMinHistoryDays) {
      const int64_t days =
          std::min(kHistoryDays, std::max<int64_t>(1, age_days));
      cap = std::min(cap, static_cast<int64_t>(fraction * kMultiple *
                                               static_cast<double>(baseline) /
                                               static_cast<double>(days)) -
                              window);
    }
  }
  if (has_snapshot_ && snapshot_time_ <= t) {
    // outflow = amount + min(window, outflow_); the balance the detector
    // carries forward does not depend on the amount.
    const int64_t m = std::min(window, outflow_);
    const int64_t balance = SnapshotPlusInflow() - outflow_ + m;
    cap = balance <= 0 ? 0
                       : std::min(cap, static_cast<int64_t>(
                                           fraction * kBalancePercent / 100.0 *
                                           static_cast<double>(balance)) -
                                           m);
  }
  return std::max<int64_t>(0, cap);
}

int64_t OutflowReplica::DrainAmount(int64_t t, double percent) const {
  if (!has_snapshot_ || snapshot_time_ > t) return 0;
  const int64_t m = std::min(WindowSum(t), outflow_);
  const int64_t balance = SnapshotPlusInflow() - outflow_ + m;
  if (balance <= 0) return 0;
  const int64_t target = static_cast<int64_t>(
      std::ceil(percent / 100.0 * static_cast<double>(balance)));
  return std::max<int64_t>(1, target - m);
}

void OutflowReplica::OnDebit(int64_t t, int64_t amount) {
  recent_.emplace_back(t, amount);
  while (!recent_.empty() && recent_.front().first < t - 2 * kHourMs) {
    recent_.pop_front();
  }
  const int64_t day = t / kDayMs;
  const size_t slot = static_cast<size_t>(day % 32);
  if (day_index_[slot] != day) {
    day_index_[slot] = day;
    day_sum_[slot] = 0;
  }
  day_sum_[slot] += amount;
  if (first_seen_ms_ < 0) {
    first_seen_ms_ = t;  // the first outflow starts the history
  } else if (first_seen_ms_ <= t) {
    const int64_t age_days = (t - first_seen_ms_) / kDayMs;
    // A dormant account restarts its history at this debit.
    if (HistorySum(t) - WindowSum(t) <= 0 && age_days >= kMinHistoryDays) {
      first_seen_ms_ = t;
    }
  }
  if (has_snapshot_ && snapshot_time_ <= t) outflow_ += amount;
}

void OutflowReplica::OnCredit(int64_t t, int64_t amount) {
  if (has_snapshot_ && snapshot_time_ <= t) inflow_ += amount;
}

void OutflowReplica::OnSnapshot(int64_t t, int64_t amount) {
  if (has_snapshot_ && snapshot_time_ > t) return;  // stale
  has_snapshot_ = true;
  snapshot_ = amount;
  snapshot_time_ = t;
  inflow_ = 0;
  outflow_ = 0;
}

int64_t OutflowReplica::RecentSum(int64_t t, int64_t window_ms) const {
  const int64_t from = (t - window_ms) / kMinuteMs * kMinuteMs;
  int64_t sum = 0;
  for (const auto& [time, amount] : recent_) {
    if (time >= from) sum += amount;
  }
  return sum;
}

int64_t OutflowReplica::TwoDaySum(int64_t t) const {
  int64_t sum = 0;
  for (int64_t d = t / kDayMs - 1; d <= t / kDayMs; ++d) {
    const size_t slot = static_cast<size_t>(d % 32);
    if (day_index_[slot] == d) sum += day_sum_[slot];
  }
  return sum;
}

void DebitReplica::OnDebit(const riskflow::v1::Event& e) {
  ring_.push_back({e.event_time_ms(), e.type(), e.counterparty(), e.currency(),
                   e.amount_minor()});
  if (ring_.size() > kKeep) ring_.pop_front();
}

int DebitReplica::CountWithinMinute(int64_t t) const {
  int n = 0;
  for (const Debit& d : ring_) n += d.time >= t - 61 * kSecondMs;
  return n;
}

bool DebitReplica::WouldDuplicate(riskflow::v1::EventType type,
                                  const std::string& cp,
                                  const std::string& currency, int64_t amount,
                                  int64_t t) const {
  for (const Debit& d : ring_) {
    if (d.type == type && d.amount == amount && d.counterparty == cp &&
        d.currency == currency &&
        std::llabs(t - d.time) <= limits::kDuplicateWindowMs + kMinuteMs) {
      return true;
    }
  }
  return false;
}

void AuthReplica::OnFailure(int64_t t) {
  failures_.push_back(t);
  while (!failures_.empty() && failures_.front() < t - 30 * kMinuteMs) {
    failures_.pop_front();
  }
}

int AuthReplica::FailuresWithin(int64_t t, int64_t window_ms) const {
  int n = 0;
  for (int64_t f : failures_) n += f >= t - window_ms - kSecondMs && f <= t;
  return n;
}

int AuthReplica::FailuresBeforeLogin(int64_t t) const {
  // The look-back is success_window, shortened to the previous login.
  const int64_t from =
      std::max(t - limits::kAuthWindowMs - kSecondMs, last_login_ms_);
  int n = 0;
  for (int64_t f : failures_) n += f >= from && f <= t;
  return n;
}

bool LocationReplica::WouldTravelTooFast(double lat, double lon, int64_t t,
                                         double max_speed_kmh) const {
  if (!has_coords_ || (lat == 0 && lon == 0)) return false;
  const double km = HaversineKm(lat_, lon_, lat, lon);
  const double hours =
      static_cast<double>(std::max<int64_t>(1, std::llabs(t - coords_time_))) /
      kHourMs;
  return km >= limits::kMinDistanceKm && km / hours > max_speed_kmh;
}

bool LocationReplica::KnowsCountry(const std::string& country) const {
  const int i = CountryIndex(country);
  return i >= 0 && (countries_ >> i) & 1;
}

bool LocationReplica::WouldAlert(double lat, double lon,
                                 const std::string& country, int64_t t) const {
  if (WouldTravelTooFast(lat, lon, t, limits::kMaxSpeedKmh)) return true;
  return !country.empty() && countries_ != 0 && !KnowsCountry(country);
}

void LocationReplica::OnLocated(double lat, double lon,
                                const std::string& country, int64_t t) {
  if (WouldAlert(lat, lon, country, t)) last_alert_ms_ = t;
  if (!(lat == 0 && lon == 0) && (!has_coords_ || t >= coords_time_)) {
    has_coords_ = true;
    lat_ = lat;
    lon_ = lon;
    coords_time_ = t;
  }
  const int i = CountryIndex(country);
  if (i >= 0) countries_ |= uint64_t{1} << i;
}

}  // namespace riskflow::datagen
