#ifndef RISKFLOW_PIPELINE_METRICS_METRICS_H_
#define RISKFLOW_PIPELINE_METRICS_METRICS_H_

// Counters, gauges and fixed-bucket histograms for the Prometheus text
// exposition (see exposition.h). Updating a metric is a relaxed atomic add
// with no lock and no allocation, so they can sit on the event path; only
// registration and rendering take a lock.

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace riskflow::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Integer observations (e.g. microseconds) counted in buckets with fixed
// upper bounds (inclusive, ascending; +Inf is implicit). Observations are
// spread over a few cache-line-sized stripes picked per thread, so shards
// observing the same detector do not bounce one line between cores.
class Histogram {
 public:
  static constexpr int kMaxBounds = 23;
  static constexpr int kStripes = 8;

  // At most kMaxBounds bounds, ascending; extra ones are ignored.
  explicit Histogram(std::vector<int64_t> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(int64_t value) {
    Stripe& s = stripes_[StripeIndex()];
    s.buckets[BucketOf(value)].fetch_add(1, std::memory_order_relaxed);
    s.sum.fetch_add(value, std::memory_order_relaxed);
  }

  // Observations one thread gathers without atomics and adds to a
  // histogram in one go. A shard observes each of its 13 detector calls
  // per event: two locked adds each in Observe were ~2.5% of a shard's CPU
  // with all detectors (docs/benchmarks.md, "Issue 9, eleventh session").
  class Local {
   public:
    void Observe(const Histogram& h, int64_t value) {
      ++counts_[h.BucketOf(value)];
      sum_ += value;
      pending_ = true;
    }
    // Adds what was observed since the last call to `h` (the histogram
    // Observe was given) and starts afresh.
    void AddTo(Histogram* h);

   private:
    uint64_t counts_[kMaxBounds + 1] = {};
    int64_t sum_ = 0;
    bool pending_ = false;
  };

  struct Snapshot {
    std::vector<int64_t> bounds;
    // Per bucket (bounds.size() + 1 entries, the last is +Inf), not
    // cumulative.
    std::vector<uint64_t> counts;
    uint64_t count = 0;
    int64_t sum = 0;
  };
  Snapshot Snap() const;
  const int64_t* bounds() const { return bounds_; }

 private:
  struct alignas(64) Stripe {
    std::atomic<uint64_t> buckets[kMaxBounds + 1];
    std::atomic<int64_t> sum;
  };
  static int StripeIndex();
  int BucketOf(int64_t value) const {
    // Linear scan: ~20 predictable compares beat a binary search's
    // mispredictions for the few buckets we have.
    int b = 0;
    while (b < num_bounds_ && value > bounds_[b]) ++b;
    return b;
  }

  int num_bounds_ = 0;
  int64_t bounds_[kMaxBounds] = {};
  Stripe stripes_[kStripes];
};

// What `later` counted since `earlier` (two snapshots of one histogram).
Histogram::Snapshot Since(const Histogram::Snapshot& later,
                          const Histogram::Snapshot& earlier);

// The upper bound of the bucket holding the q-quantile (0 < q <= 1) of
// `snap`'s observations: "at most this"; -1 for the +Inf bucket (above
// every bound), 0 when empty.
int64_t QuantileUpperBound(const Histogram::Snapshot& snap, double q);

// Whether detector calls feed their latency histograms (on by default;
// riskflowd --detector_latency_histograms=false turns it off, to measure
// what it costs).
bool DetectorTimingOn();
void SetDetectorTiming(bool on);

// 1 µs .. 1 s, roughly 1-2.5-5 per decade: detector calls run from
// sub-microsecond (rules) to milliseconds (a budget overrun).
std::vector<int64_t> LatencyBucketsMicros();

}  // namespace riskflow::metrics

#endif  // RISKFLOW_PIPELINE_METRICS_METRICS_H_
