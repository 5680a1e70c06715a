// The fixture and the reference model shared by shard_state_test (the
// cache's own rules) and shard_state_visibility_test (the visibility
// horizon and replay's rare commits).
#ifndef RISKFLOW_PIPELINE_STATE_SHARD_STATE_TEST_FIXTURE_H_
#define RISKFLOW_PIPELINE_STATE_SHARD_STATE_TEST_FIXTURE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::state {

#define ASSERT_OK(expr)                            \
  do {                                             \
    absl::Status _st = (expr);                     \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st; \
  } while (0)

inline constexpr int64_t kLateness = 5000;

struct Reference;

class ShardStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    counter_ = *MakeStateSpec("velocity", "count", StateKind::kCounter, 60000,
                              10000, 0);
    sum_ =
        *MakeStateSpec("velocity", "amount", StateKind::kSum, 60000, 10000, 0);
    distinct_ = *MakeStateSpec("devices", "seen", StateKind::kDistinct, 60000,
                               10000, 0);
    last_ = *MakeStateSpec("geo", "last", StateKind::kLastSeen, 0, 0, 30000);
    last_forever_ =
        *MakeStateSpec("geo", "first", StateKind::kLastSeen, 0, 0, 0);
    // Kept longer than their window (ttl > window): the visibility horizon
    // then lies below the trim cutoff.
    sum_long_ = *MakeStateSpec("velocity", "amount_long", StateKind::kSum,
                               60000, 10000, 150000);
    distinct_long_ = *MakeStateSpec("devices", "seen_long",
                                    StateKind::kDistinct, 60000, 10000, 150000);
    Reopen();
  }

  void Reopen() {
    cache_.reset();
    store_.reset();
    storage::StoreOptions opts;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 8 << 20;
    auto s = OpenStateStore(dir_.path(), opts);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    for (const StateSpec* spec : {&counter_, &sum_, &distinct_, &last_,
                                  &last_forever_, &sum_long_,
                                  &distinct_long_}) {
      RegisterState(store_.get(), *spec);
    }
    cache_ = std::make_unique<ShardState>(store_.get(), 1000, kLateness);
  }

  // What the engine does at the end of a micro-batch.
  void Commit(ShardState* cache) {
    rocksdb::WriteBatch batch;
    cache->FlushTo(&batch);
    ASSERT_OK(store_->Write(&batch, /*sync=*/false));
    cache->Trim();
  }

  int64_t Total(ShardState* cache, const StateSpec& s, std::string_view e,
                int64_t t, int64_t w) {
    auto r = cache->WindowTotal(s, e, t, w);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : -999999;
  }
  int64_t Count(ShardState* cache, std::string_view e, int64_t t, int64_t w) {
    return Count(cache, distinct_, e, t, w);
  }
  int64_t Count(ShardState* cache, const StateSpec& s, std::string_view e,
                int64_t t, int64_t w) {
    auto r = cache->DistinctCount(s, e, t, w);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : -999999;
  }

  // Replay's way of driving the cache, checked against Reference (below).
  // One random operation of the randomised tests, on both the cache and the
  // reference: op 0-1 a sum add, 2 a sum query, 3 a distinct add, 4 a
  // distinct count, 5 a last-seen put, 6 a last-seen get; queries must
  // match the reference. `watermark` is the event's log watermark
  // (INT64_MIN: none, every event on time); values are drawn from rng.
  void RandomStateOp(uint64_t op, std::mt19937_64& rng, ShardState* cache,
                     Reference* ref, const StateSpec& sum,
                     const StateSpec& distinct, const std::string& e,
                     int64_t t, int64_t w, int64_t watermark, int step);

  void RunVisibilityAgainstReference(const StateSpec& sum,
                                     const StateSpec& distinct, uint64_t seed);

  storage::ScopedTempDir dir_;
  StateSpec counter_, sum_, distinct_, last_, last_forever_, sum_long_,
      distinct_long_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ShardState> cache_;
};

// The reference the plugin SDK's fake host also implements: plain maps, no
// caching, the window rules written out literally.
struct Reference {
  std::map<std::pair<uint64_t, std::string>, std::map<int64_t, int64_t>> sums;
  std::map<std::pair<uint64_t, std::string>,
           std::set<std::pair<int64_t, std::string>>>
      members;
  std::map<std::pair<uint64_t, std::string>, std::pair<std::string, int64_t>>
      last;

  // `from`: the first visible bucket (see ShardState, "Visibility").
  int64_t Total(const StateSpec& s, const std::string& e, int64_t t, int64_t w,
                int64_t from = INT64_MIN) {
    int64_t lo = std::max(from, BucketOf(t - w + 1, s.bucket_ms)),
            hi = BucketOf(t, s.bucket_ms);
    int64_t total = 0;
    for (auto& [b, v] : sums[{s.id, e}]) {
      if (b >= lo && b <= hi) total += v;
    }
    return total;
  }
  int64_t Count(const StateSpec& s, const std::string& e, int64_t t, int64_t w,
                int64_t from = INT64_MIN) {
    int64_t lo = std::max(from, BucketOf(t - w + 1, s.bucket_ms)),
            hi = BucketOf(t, s.bucket_ms);
    std::set<std::string> seen;
    for (auto& [b, m] : members[{s.id, e}]) {
      if (b >= lo && b <= hi) seen.insert(m);
    }
    return seen.size();
  }
};

inline void ShardStateTest::RandomStateOp(
    uint64_t op, std::mt19937_64& rng, ShardState* cache, Reference* ref,
    const StateSpec& sum, const StateSpec& distinct, const std::string& e,
    int64_t t, int64_t w, int64_t watermark, int step) {
  const bool has_wm = watermark != INT64_MIN;
  // The first bucket visible at this watermark (shard_state.h, "Visibility").
  auto from = [&](const StateSpec& s) {
    return has_wm ? BucketOf(watermark - s.retention_ms() + 1, s.bucket_ms)
                  : INT64_MIN;
  };
  switch (op) {
    case 0:
    case 1: {
      int64_t v = static_cast<int64_t>(rng() % 1000) - 200;
      ASSERT_OK(cache->WindowAdd(sum, e, t, v));
      ref->sums[{sum.id, e}][BucketOf(t, sum.bucket_ms)] += v;
      break;
    }
    case 2:
      ASSERT_EQ(Total(cache, sum, e, t, w), ref->Total(sum, e, t, w, from(sum)))
          << "step " << step;
      break;
    case 3: {
      std::string m = "dev" + std::to_string(rng() % 5);
      ASSERT_OK(cache->DistinctAdd(distinct, e, t, m));
      ref->members[{distinct.id, e}].insert(
          {BucketOf(t, distinct.bucket_ms), m});
      break;
    }
    case 4:
      ASSERT_EQ(Count(cache, distinct, e, t, w),
                ref->Count(distinct, e, t, w, from(distinct)))
          << "step " << step;
      break;
    case 5: {
      std::string v = "ip" + std::to_string(rng() % 100);
      ASSERT_OK(cache->LastPut(last_, e, t, v));
      ref->last[{last_.id, e}] = {v, t};
      break;
    }
    case 6: {
      auto got = cache->LastGet(last_, e, t);
      ASSERT_TRUE(got.ok()) << got.status();
      auto it = ref->last.find({last_.id, e});
      bool want = it != ref->last.end() &&
                  t - it->second.second < last_.ttl_ms &&
                  (!has_wm || it->second.second > watermark - last_.ttl_ms);
      ASSERT_EQ(got->has_value(), want) << "step " << step;
      if (want) {
        EXPECT_EQ((*got)->first, it->second.first);
        EXPECT_EQ((*got)->second, it->second.second);
      }
      break;
    }
  }
}

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_SHARD_STATE_TEST_FIXTURE_H_
