#include "pipeline/metrics/metrics.h"

#include <algorithm>
#include <cmath>

namespace riskflow::metrics {

Histogram::Histogram(std::vector<int64_t> bounds) {
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  num_bounds_ = static_cast<int>(
      std::min<size_t>(bounds.size(), static_cast<size_t>(kMaxBounds)));
  std::copy(bounds.begin(), bounds.begin() + num_bounds_, bounds_);
  for (Stripe& s : stripes_) {
    for (auto& b : s.buckets) b.store(0, std::memory_order_relaxed);
    s.sum.store(0, std::memory_order_relaxed);
  }
}

int Histogram::StripeIndex() {
  // Threads take stripes round-robin on first use; a shard thread keeps
  // its stripe for life.
  static std::atomic<int> next{0};
  thread_local int index =
      next.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return index;
}

void Histogram::Local::AddTo(Histogram* h) {
  if (!pending_) return;
  Stripe& s = h->stripes_[StripeIndex()];
  for (int b = 0; b <= h->num_bounds_; ++b) {
    if (counts_[b] == 0) continue;
    s.buckets[b].fetch_add(counts_[b], std::memory_order_relaxed);
    counts_[b] = 0;
  }
  s.sum.fetch_add(sum_, std::memory_order_relaxed);
  sum_ = 0;
  pending_ = false;
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot snap;
  snap.bounds.assign(bounds_, bounds_ + num_bounds_);
  snap.counts.assign(num_bounds_ + 1, 0);
  for (const Stripe& s : stripes_) {
    for (int b = 0; b <= num_bounds_; ++b) {
      snap.counts[b] += s.buckets[b].load(std::memory_order_relaxed);
    }
    snap.sum += s.sum.load(std::memory_order_relaxed);
  }
  for (uint64_t c : snap.counts) snap.count += c;
  return snap;
}

Histogram::Snapshot Since(const Histogram::Snapshot& later,
                          const Histogram::Snapshot& earlier) {
  Histogram::Snapshot d = later;
  if (earlier.counts.size() != later.counts.size()) return d;
  for (size_t i = 0; i < d.counts.size(); ++i) {
    d.counts[i] -= earlier.counts[i];
  }
  d.count -= earlier.count;
  d.sum -= earlier.sum;
  return d;
}

int64_t QuantileUpperBound(const Histogram::Snapshot& snap, double q) {
  uint64_t total = 0;
  for (uint64_t c : snap.counts) total += c;
  if (total == 0) return 0;
  // The smallest rank whose share reaches q (rank 1 is the least).
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(total))));
  uint64_t seen = 0;
  for (size_t b = 0; b < snap.counts.size(); ++b) {
    seen += snap.counts[b];
    if (seen >= rank) return b < snap.bounds.size() ? snap.bounds[b] : -1;
  }
  return -1;
}

namespace {
std::atomic<bool> g_detector_timing{true};
}  // namespace

bool DetectorTimingOn() {
  return g_detector_timing.load(std::memory_order_relaxed);
}

void SetDetectorTiming(bool on) {
  g_detector_timing.store(on, std::memory_order_relaxed);
}

std::vector<int64_t> LatencyBucketsMicros() {
  return {1,    2,    5,     10,    25,    50,     100,    250,
          500,  1000, 2500,  5000,  10000, 25000,  50000,  100000,
          250000, 1000000};
}

}  // namespace riskflow::metrics
