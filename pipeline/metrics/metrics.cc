#include "pipeline/metrics/metrics.h"

#include <algorithm>

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
