// window_math.h — the bucket arithmetic behind every sliding window.
//
// Shared by the fake host (plugins/sdk/fake_host) and the real RocksDB host
// (pipeline/state) so both answer window queries over exactly the same
// buckets. Header-only and std-only so either side can include it.
//
// A window of window_ms ending at event time t covers the event times
// [t - window_ms + 1, t]; at bucket granularity that is every bucket b with
//   BucketOf(t - window_ms + 1) <= b <= BucketOf(t).
// So a window is exact at its end and may reach up to bucket_ms - 1 earlier
// than window_ms at its start (the first bucket is counted whole).
#ifndef RISKFLOW_PLUGINS_SDK_WINDOW_MATH_H_
#define RISKFLOW_PLUGINS_SDK_WINDOW_MATH_H_

#include <cstdint>
#include <limits>

namespace riskflow {
namespace sdk {

// Division rounding towards negative infinity (C++ '/' truncates towards
// zero, which would put t = -1 and t = +1 into the same bucket 0). b > 0.
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) --q;
  return q;
}

// The bucket holding event time t_ms. bucket_ms > 0.
constexpr int64_t BucketOf(int64_t t_ms, int64_t bucket_ms) {
  return FloorDiv(t_ms, bucket_ms);
}

// First event time of bucket b (inverse of BucketOf at the bucket start).
constexpr int64_t BucketStartMs(int64_t bucket, int64_t bucket_ms) {
  return bucket * bucket_ms;
}

// Inclusive range of buckets a window covers.
struct BucketRange {
  int64_t first;
  int64_t last;
  constexpr bool Contains(int64_t bucket) const {
    return first <= bucket && bucket <= last;
  }
};

// Earliest event time inside the window ending at now_ms, saturating instead
// of overflowing for times near INT64_MIN. window_ms >= 1.
constexpr int64_t WindowStartMs(int64_t now_ms, int64_t window_ms) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (now_ms < kMin + window_ms - 1) return kMin;
  return now_ms - window_ms + 1;
}

// The buckets a window of window_ms ending at (and including) now_ms covers.
// window_ms >= 1, bucket_ms >= 1.
constexpr BucketRange WindowBuckets(int64_t now_ms, int64_t window_ms,
                                    int64_t bucket_ms) {
  return BucketRange{BucketOf(WindowStartMs(now_ms, window_ms), bucket_ms),
                     BucketOf(now_ms, bucket_ms)};
}

// Counter and sum arithmetic: a + b clamped to [INT64_MIN, INT64_MAX]
// instead of wrapping, so a total can never change sign by overflow (two
// INT64_MAX payments once summed to -2 and passed every limit). Used by the
// RocksDB merge operator, the shard cache and the fake host alike. With
// deltas of one sign per bucket (counts, amounts) the result does not depend
// on the order or grouping of the additions: it is min(true sum, INT64_MAX).
constexpr int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

// The visibility horizon (pipeline/state/shard_state.h, "Visibility"): the
// oldest bucket an event may see or change when the event log's watermark
// is watermark_ms and the state keeps data for retention_ms — the bucket
// holding watermark - retention, the oldest whose end the store's expiry
// keeps. INT64_MIN (everything visible) when that underflows.
// retention_ms >= 0, bucket_ms >= 1.
constexpr int64_t HorizonBucket(int64_t watermark_ms, int64_t retention_ms,
                                int64_t bucket_ms) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (watermark_ms < kMin + retention_ms) return kMin;
  return BucketOf(watermark_ms - retention_ms, bucket_ms);
}

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_WINDOW_MATH_H_
