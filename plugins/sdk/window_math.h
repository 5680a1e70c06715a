// window_math.h — the window rule and the bucket arithmetic behind every
// sliding window.
//
// Shared by the fake host (plugins/sdk/fake_host), the real host
// (pipeline/state) and the detectors, so all of them draw the same edge.
// Header-only and std-only so any side can include it.
//
// The rule (docs/windows.md, the one place it is written down): the window
// of window_ms of an event at time t is the half-open interval
//   (t - window_ms, t]
// — an earlier event exactly window_ms before t is outside, one in the same
// millisecond as t is inside. In whole milliseconds that is
// [t - window_ms + 1, t]; at bucket granularity it is every bucket b with
//   BucketOf(t - window_ms + 1) <= b <= BucketOf(t),
// so a bucketed window is exact at its end and may reach up to
// bucket_ms - 1 earlier than window_ms at its start (the first bucket is
// counted whole). Detectors comparing two event times directly use
// InWindow() / InWindowEitherOrder() instead of writing the comparison out.
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

// True when other_ms lies before the window of window_ms ending at event_ms
// (other_ms <= event_ms - window_ms), computed without overflow. Also the
// TTL rule of last-seen state: a value stored ttl or more before t is gone.
// window_ms >= 1.
constexpr bool BeforeWindow(int64_t event_ms, int64_t other_ms,
                            int64_t window_ms) {
  return other_ms < WindowStartMs(event_ms, window_ms);
}

// True when other_ms lies in the window of window_ms of an event at
// event_ms: event_ms - window_ms < other_ms <= event_ms. window_ms >= 1.
constexpr bool InWindow(int64_t event_ms, int64_t other_ms,
                        int64_t window_ms) {
  return other_ms <= event_ms && !BeforeWindow(event_ms, other_ms, window_ms);
}

// For pairs that may arrive in either event-time order (a late copy can be
// older than the one it is compared with): true when the earlier of the two
// lies in the later one's window, i.e. |a_ms - b_ms| < window_ms.
constexpr bool InWindowEitherOrder(int64_t a_ms, int64_t b_ms,
                                   int64_t window_ms) {
  return a_ms >= b_ms ? InWindow(a_ms, b_ms, window_ms)
                      : InWindow(b_ms, a_ms, window_ms);
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
// is watermark_ms and the state keeps data for retention_ms. What is kept is
// the window of the watermark, (watermark - retention, watermark] and
// later, so this is the bucket holding watermark - retention + 1: the
// oldest whose end the store's expiry keeps (IsExpired removes data at or
// before clock - retention). INT64_MIN (everything visible) when
// watermark - retention underflows. retention_ms >= 0, bucket_ms >= 1.
constexpr int64_t HorizonBucket(int64_t watermark_ms, int64_t retention_ms,
                                int64_t bucket_ms) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (watermark_ms < kMin + retention_ms) return kMin;
  const int64_t last_excluded = watermark_ms - retention_ms;
  if (last_excluded == kMax) return kMax;  // retention 0 at the end of time
  return BucketOf(last_excluded + 1, bucket_ms);
}

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_WINDOW_MATH_H_
