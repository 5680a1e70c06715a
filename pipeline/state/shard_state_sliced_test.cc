// Sliced checkpoints (shard_state_sliced.cc): a checkpoint serialised in
// slices while events keep changing the cache stores exactly what an
// unsliced FlushChanges at its start stores. Two caches over two real
// RocksDB stores get the same randomized operations (adds, puts, queries,
// watermark moves that expire buckets, a hot reload shortening a retention,
// trims that evict); at each checkpoint the reference flushes at once,
// the sliced one begins, then slices between further operations; its
// batch must be byte-identical to the reference's, queries must agree
// throughout, and the stores must hold the same state at the end.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {
namespace {

#define ASSERT_OK(expr)                            \
  do {                                             \
    absl::Status _st = (expr);                     \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st; \
  } while (0)

constexpr int64_t kLateness = 5000;
constexpr int64_t kT0 = 1700000000000;

struct Side {
  storage::ScopedTempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<ShardState> cache;
};

class SlicedCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // Fresh caches over fresh stores (each randomized seed starts empty).
  void Open() {
    ++generation_;
    sum_ = *MakeStateSpec("velocity", "amount", StateKind::kSum, 60000,
                          10000, 0);
    // The same state after a hot reload that keeps it longer (same id,
    // kind and bucket size; another retention).
    sum_reloaded_ = *MakeStateSpec("velocity", "amount", StateKind::kSum,
                                   60000, 10000, 150000);
    counter_ = *MakeStateSpec("velocity", "count", StateKind::kCounter,
                              30000, 5000, 0);
    distinct_ = *MakeStateSpec("devices", "seen", StateKind::kDistinct,
                               60000, 10000, 0);
    last_ = *MakeStateSpec("geo", "last", StateKind::kLastSeen, 0, 0, 30000);
    for (Side* side : {&sliced_, &ref_}) {
      side->cache.reset();
      side->store.reset();
      storage::StoreOptions opts;
      opts.block_cache_bytes = 8 << 20;
      opts.write_buffer_bytes = 8 << 20;
      auto s = OpenStateStore(
          side->dir.path() + "/" + std::to_string(generation_), opts);
      ASSERT_TRUE(s.ok()) << s.status();
      side->store = std::move(*s);
      for (const StateSpec* spec :
           {&sum_, &sum_reloaded_, &counter_, &distinct_, &last_}) {
        RegisterState(side->store.get(), *spec);
      }
      // Small: Trim evicts (whenever it may).
      side->cache = std::make_unique<ShardState>(side->store.get(), 24,
                                                 kLateness);
    }
  }

  // The batch a checkpoint's changes become (what the writer builds).
  static std::string Sorted(StateChanges& changes, Side& side) {
    rocksdb::WriteBatch batch;
    changes.AppendSortedTo(&batch,
                           side.store->handle(storage::Cf::kState));
    return batch.Data();
  }

  static void Write(const std::string& data, Side& side) {
    rocksdb::WriteBatch batch(data);
    ASSERT_OK(side.store->Write(&batch, /*sync=*/false));
  }

  static std::vector<std::pair<std::string, std::string>> Dump(Side& side) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = side.store->NewIterator(storage::Cf::kState);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    return out;
  }

  StateSpec sum_, sum_reloaded_, counter_, distinct_, last_;
  Side sliced_, ref_;
  int generation_ = 0;
};

TEST_F(SlicedCheckpointTest, PendingRecordChangedBeforeItsSliceKeepsS) {
  ShardState& c = *sliced_.cache;
  ASSERT_OK(c.WindowAdd(sum_, "a", kT0, 5));
  ASSERT_OK(c.LastPut(last_, "a", kT0, "old"));
  c.BeginSlicedCheckpoint();
  ASSERT_TRUE(c.sliced_checkpoint_pending());
  EXPECT_EQ(c.dirty_entities(), 0u);
  // Changed while pending: copy-on-write serialises "a" as of S first.
  ASSERT_OK(c.WindowAdd(sum_, "a", kT0, 7));
  ASSERT_OK(c.LastPut(last_, "a", kT0 + 1, "new"));
  EXPECT_EQ(c.copy_on_write_records(), 1u);
  EXPECT_EQ(c.dirty_entities(), 2u);  // dirty again, for the next one
  ASSERT_TRUE(c.SerialiseSlice(1, absl::InfiniteDuration()));
  StateChanges at_s = c.TakeSlicedCheckpoint();
  EXPECT_EQ(at_s.size(), 2u);
  Write(Sorted(at_s, sliced_), sliced_);

  // The reference: the same adds with a synchronous flush at S.
  ShardState& r = *ref_.cache;
  ASSERT_OK(r.WindowAdd(sum_, "a", kT0, 5));
  ASSERT_OK(r.LastPut(last_, "a", kT0, "old"));
  rocksdb::WriteBatch want;
  r.FlushTo(&want);
  Write(want.Data(), ref_);
  EXPECT_EQ(Dump(sliced_), Dump(ref_));

  // The next checkpoint holds the change made while pending.
  rocksdb::WriteBatch next;
  c.FlushTo(&next);
  Write(next.Data(), sliced_);
  ASSERT_OK(r.WindowAdd(sum_, "a", kT0, 7));
  ASSERT_OK(r.LastPut(last_, "a", kT0 + 1, "new"));
  rocksdb::WriteBatch next_ref;
  r.FlushTo(&next_ref);
  Write(next_ref.Data(), ref_);
  EXPECT_EQ(Dump(sliced_), Dump(ref_));
}

TEST_F(SlicedCheckpointTest, HorizonIsTheOneAsOfS) {
  // A pending bucket that falls behind the visibility horizon before its
  // slice is still written: FlushChanges at S would have written it.
  ShardState& c = *sliced_.cache;
  ShardState& r = *ref_.cache;
  for (ShardState* s : {&c, &r}) {
    s->SetWatermark(kT0);
    ASSERT_OK(s->WindowAdd(sum_, "a", kT0, 3));
    ASSERT_OK(s->WindowAdd(sum_, "b", kT0, 4));
  }
  StateChanges want;
  r.FlushChanges(&want);
  c.BeginSlicedCheckpoint();
  c.SetWatermark(kT0 + 10 * 60000);  // both buckets are now expired
  ASSERT_TRUE(c.SerialiseSlice(100, absl::InfiniteDuration()));
  StateChanges got = c.TakeSlicedCheckpoint();
  ASSERT_EQ(want.size(), 2u);
  EXPECT_EQ(Sorted(got, sliced_), Sorted(want, ref_));
}

TEST_F(SlicedCheckpointTest, RandomInterleavingsEqualUnslicedFlushAtS) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    Open();  // fresh stores and caches per seed
    std::mt19937_64 rng(seed);
    ShardState* c = sliced_.cache.get();
    ShardState* r = ref_.cache.get();
    int64_t now = kT0;
    // One hot reload that shortens the sum's retention, at a random step
    // (often while a checkpoint is pending). Only one, and only shorter:
    // with a retention that grows back, what Trim drops behind the horizon
    // depends on when it trims (not on slicing), and the two caches trim
    // at different times by design.
    bool reloaded = true;
    const int reload_step = static_cast<int>(rng() % 2000);
    size_t checkpoints = 0;
    auto op = [&](int step) {
      // Mostly on time, sometimes late (behind the horizon at times).
      now += static_cast<int64_t>(rng() % 3000);
      const int64_t watermark = now - static_cast<int64_t>(rng() % 2000);
      const int64_t t =
          rng() % 8 == 0 ? now - static_cast<int64_t>(rng() % 90000) : now;
      const std::string e = "e" + std::to_string(rng() % 40);
      if (step == reload_step) reloaded = false;
      const StateSpec& sum = reloaded ? sum_reloaded_ : sum_;
      c->SetWatermark(watermark);
      r->SetWatermark(watermark);
      switch (rng() % 9) {
        case 0:
        case 1: {
          const int64_t v = static_cast<int64_t>(rng() % 1000) - 200;
          ASSERT_OK(c->WindowAdd(sum, e, t, v));
          ASSERT_OK(r->WindowAdd(sum, e, t, v));
          break;
        }
        case 2: {
          auto a = c->WindowTotal(sum, e, t, 60000);
          auto b = r->WindowTotal(sum, e, t, 60000);
          ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
          ASSERT_EQ(*a, *b) << "step " << step;
          break;
        }
        case 3:
          ASSERT_OK(c->WindowAdd(counter_, e, t, 1));
          ASSERT_OK(r->WindowAdd(counter_, e, t, 1));
          break;
        case 4: {
          const std::string m = "d" + std::to_string(rng() % 6);
          ASSERT_OK(c->DistinctAdd(distinct_, e, t, m));
          ASSERT_OK(r->DistinctAdd(distinct_, e, t, m));
          auto a = c->DistinctCount(distinct_, e, t, 60000);
          auto b = r->DistinctCount(distinct_, e, t, 60000);
          ASSERT_TRUE(a.ok() && b.ok());
          ASSERT_EQ(*a, *b) << "step " << step;
          break;
        }
        case 5: {
          const std::string v = "ip" + std::to_string(rng() % 50);
          ASSERT_OK(c->LastPut(last_, e, t, v));
          ASSERT_OK(r->LastPut(last_, e, t, v));
          break;
        }
        case 6: {
          auto a = c->LastGet(last_, e, t);
          auto b = r->LastGet(last_, e, t);
          ASSERT_TRUE(a.ok() && b.ok());
          ASSERT_EQ(a->has_value(), b->has_value()) << "step " << step;
          if (a->has_value()) {
            ASSERT_EQ((*a)->first, (*b)->first);
            ASSERT_EQ((*a)->second, (*b)->second);
          }
          break;
        }
        case 7: {
          auto a = c->WindowTotal(counter_, e, t, 30000);
          auto b = r->WindowTotal(counter_, e, t, 30000);
          ASSERT_TRUE(a.ok() && b.ok());
          ASSERT_EQ(*a, *b) << "step " << step;
          break;
        }
        case 8: {
          auto a = c->DistinctContains(distinct_, e, t, "d1", 60000);
          auto b = r->DistinctContains(distinct_, e, t, "d1", 60000);
          ASSERT_TRUE(a.ok() && b.ok());
          ASSERT_EQ(*a, *b) << "step " << step;
          break;
        }
      }
    };
    int step = 0;
    for (int round = 0; round < 30; ++round) {
      const int before = static_cast<int>(rng() % 60);
      for (int i = 0; i < before; ++i) {
        op(step++);
        if (::testing::Test::HasFatalFailure()) return;
        if (rng() % 4 == 0) {
          // Between micro-batches without a checkpoint: both may trim
          // and evict (their stores are current).
          c->Trim();
          r->Trim();
        }
      }
      // Checkpoint at S: the reference flushes now, the sliced one begins.
      StateChanges want;
      r->FlushChanges(&want);
      const std::string want_batch = Sorted(want, ref_);
      Write(want_batch, ref_);
      r->Trim();
      c->BeginSlicedCheckpoint();
      bool done = false;
      while (!done) {
        const int between = static_cast<int>(rng() % 6);
        for (int i = 0; i < between; ++i) {
          op(step++);
          if (::testing::Test::HasFatalFailure()) return;
        }
        c->Trim();  // must do nothing while pending
        r->Trim();
        done = c->SerialiseSlice(1 + rng() % 3, absl::InfiniteDuration());
      }
      StateChanges got = c->TakeSlicedCheckpoint();
      ASSERT_EQ(Sorted(got, sliced_), want_batch) << "round " << round;
      Write(want_batch, sliced_);
      ++checkpoints;
    }
    rocksdb::WriteBatch last_c, last_r;
    c->FlushTo(&last_c);
    r->FlushTo(&last_r);
    ASSERT_EQ(last_c.Data(), last_r.Data());
    Write(last_c.Data(), sliced_);
    Write(last_r.Data(), ref_);
    EXPECT_EQ(Dump(sliced_), Dump(ref_));
    EXPECT_GT(c->copy_on_write_records(), 0u);
    EXPECT_GT(c->stats().evictions, 0u);
    EXPECT_EQ(checkpoints, 30u);
  }
}

TEST_F(SlicedCheckpointTest, FlushToFinishesAPendingCheckpointFirst) {
  ShardState& c = *sliced_.cache;
  ShardState& r = *ref_.cache;
  for (ShardState* s : {&c, &r}) {
    ASSERT_OK(s->LastPut(last_, "a", kT0, "one"));
    ASSERT_OK(s->WindowAdd(sum_, "b", kT0, 2));
  }
  c.BeginSlicedCheckpoint();
  for (ShardState* s : {&c, &r}) {
    ASSERT_OK(s->LastPut(last_, "a", kT0 + 1, "two"));
    ASSERT_OK(s->WindowAdd(sum_, "b", kT0, 3));
  }
  rocksdb::WriteBatch bc, br;
  c.FlushTo(&bc);
  r.FlushTo(&br);
  EXPECT_FALSE(c.sliced_checkpoint_pending());
  Write(bc.Data(), sliced_);
  Write(br.Data(), ref_);
  EXPECT_EQ(Dump(sliced_), Dump(ref_));
}

}  // namespace
}  // namespace riskflow::state
