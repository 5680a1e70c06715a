#ifndef RISKFLOW_PIPELINE_STATE_STATE_EXPIRY_FILTER_H_
#define RISKFLOW_PIPELINE_STATE_STATE_EXPIRY_FILTER_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/state/state_spec.h"
#include "rocksdb/compaction_filter.h"

namespace riskflow::state {

// What the filter needs to know about one state to expire its entries.
struct ExpiryRule {
  StateKind kind = StateKind::kCounter;
  int64_t bucket_ms = 0;
  int64_t retention_ms = kRetainForever;
};
using ExpiryRules = absl::flat_hash_map<uint64_t, ExpiryRule>;

// Shared between the Store (which registers states and advances the clock)
// and RocksDB's compaction threads. Rules are copy-on-write so a compaction
// takes one snapshot and then filters millions of keys without a lock.
class StateExpiryRegistry {
 public:
  // The clock starts at "never": nothing expires until the engine feeds one.
  static constexpr int64_t kNoClock = std::numeric_limits<int64_t>::min();

  void Register(const StateSpec& spec);
  void SetClock(int64_t event_time_ms) {
    clock_.store(event_time_ms, std::memory_order_relaxed);
  }
  int64_t clock() const { return clock_.load(std::memory_order_relaxed); }
  std::shared_ptr<const ExpiryRules> rules() const;

 private:
  std::atomic<int64_t> clock_{kNoClock};
  mutable absl::Mutex mu_;
  std::shared_ptr<const ExpiryRules> rules_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<const ExpiryRules>();
};

// True if an entry whose newest possible data time is `data_ms` is at or
// before clock - retention, i.e. outside the half-open window
// (clock - retention, clock] (docs/windows.md). Saturates instead of
// overflowing; kNoClock and kRetainForever never expire anything.
bool IsExpired(int64_t data_ms, int64_t clock_ms, int64_t retention_ms);

// Drops state entries whose data is at or before clock - retention:
//  - windowed keys by the *end* of their bucket ((b + 1) * bucket_ms - 1), so
//    a bucket that still overlaps a window is never dropped;
//  - last-seen by the event time stored in the value.
// Keys it cannot decode and ids that were never registered are kept.
class StateExpiryFilter : public rocksdb::CompactionFilter {
 public:
  static constexpr const char* kName = "riskflow.StateExpiry";

  StateExpiryFilter(int64_t clock_ms, std::shared_ptr<const ExpiryRules> rules)
      : clock_ms_(clock_ms), rules_(std::move(rules)) {}

  Decision FilterV2(int level, const rocksdb::Slice& key, ValueType value_type,
                    const rocksdb::Slice& existing_value,
                    std::string* new_value,
                    std::string* skip_until) const override;
  const char* Name() const override { return kName; }

 private:
  const int64_t clock_ms_;
  const std::shared_ptr<const ExpiryRules> rules_;
};

// Hands each compaction a filter with a snapshot of the clock and the rules.
class StateExpiryFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  explicit StateExpiryFilterFactory(
      std::shared_ptr<StateExpiryRegistry> registry)
      : registry_(std::move(registry)) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "riskflow.StateExpiryFactory"; }

 private:
  std::shared_ptr<StateExpiryRegistry> registry_;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STATE_EXPIRY_FILTER_H_
