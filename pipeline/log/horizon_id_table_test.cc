// The never-rehashed table under the horizon index: against a plain map as
// the model, with tables small enough that every cluster wraps around and
// every erase shifts entries back.
#include "pipeline/log/horizon_id_table.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"

namespace riskflow::log {
namespace {

// The index's role in the tests: the fingerprint of each sequence.
struct Entries {
  std::map<uint64_t, IdFingerprint> by_seq;
  auto IsFp(const IdFingerprint& fp) const {
    return [this, fp](uint64_t seq) {
      auto it = by_seq.find(seq);
      EXPECT_NE(it, by_seq.end()) << "read of a sequence not live: " << seq;
      return it != by_seq.end() && it->second == fp;
    };
  }
};

TEST(HorizonIdTableTest, CapacityStartsSmallAndGrowsToThreeQuartersLoad) {
  EXPECT_EQ(HorizonIdTable(1).capacity(), 8u);
  EXPECT_EQ(HorizonIdTable(6).max_capacity(), 8u);
  EXPECT_EQ(HorizonIdTable(7).max_capacity(), 16u);
  EXPECT_EQ(HorizonIdTable(7).capacity(), 16u);  // the horizon is smaller
  // 10M: sized for 1M ids first (2^21 slots, 16 MiB), 2^24 at most.
  HorizonIdTable big(10'000'000);
  EXPECT_EQ(big.capacity(), uint64_t{1} << 21);
  EXPECT_EQ(big.memory_bytes(), size_t{16} << 20);
  EXPECT_EQ(big.max_capacity(), uint64_t{1} << 24);
  EXPECT_EQ(HorizonIdTable(10'000'000, 6).capacity(), 8u);
  // A rebuild sizes it for what it loads, up to the horizon's size.
  HorizonIdTable rebuilt(10'000'000);
  rebuilt.Reserve(3'000'000);
  EXPECT_EQ(rebuilt.capacity(), uint64_t{1} << 22);
  rebuilt.Reserve(50'000'000);
  EXPECT_EQ(rebuilt.capacity(), uint64_t{1} << 24);
  rebuilt.Reserve(10);  // never shrinks
  EXPECT_EQ(rebuilt.capacity(), uint64_t{1} << 24);
}

TEST(HorizonIdTableTest, SameHashOtherFingerprintIsNotAHit) {
  // high ^ low equal: the same 32-bit hash, so the same home.
  const IdFingerprint a{0x1234, 0x5678}, b{0x1234 ^ 0xff, 0x5678 ^ 0xff};
  Entries entries;
  HorizonIdTable table(4);
  entries.by_seq[1] = a;
  EXPECT_TRUE(table.Insert(a, 1, entries.IsFp(a)));
  EXPECT_FALSE(table.Find(b, 1, entries.IsFp(b)).has_value());
  entries.by_seq[2] = b;
  EXPECT_TRUE(table.Insert(b, 2, entries.IsFp(b)));
  EXPECT_EQ(table.Find(a, 2, entries.IsFp(a)), 1u);
  EXPECT_EQ(table.Find(b, 2, entries.IsFp(b)), 2u);
  // Erasing the first of the pair shifts the second back; still found.
  EXPECT_TRUE(table.Erase(a, 1));
  entries.by_seq.erase(1);
  EXPECT_FALSE(table.Find(a, 2, entries.IsFp(a)).has_value());
  EXPECT_EQ(table.Find(b, 2, entries.IsFp(b)), 2u);
  EXPECT_EQ(table.size(), 1u);
}

TEST(HorizonIdTableTest, RepeatedIdKeepsItsFirstSequence) {
  const IdFingerprint a{1, 2};
  Entries entries;
  HorizonIdTable table(4);
  entries.by_seq[1] = a;
  EXPECT_TRUE(table.Insert(a, 1, entries.IsFp(a)));
  entries.by_seq[2] = a;
  EXPECT_FALSE(table.Insert(a, 2, entries.IsFp(a)));
  EXPECT_FALSE(table.Erase(a, 2));  // seq 2 never got a slot
  EXPECT_EQ(table.Find(a, 2, entries.IsFp(a)), 1u);
  EXPECT_TRUE(table.Erase(a, 1));
  EXPECT_EQ(table.size(), 0u);
}

// A sliding window of `window` live ids over a stream in which ids repeat,
// checked after every step against a map. Sequences cross 2^32 so the
// table's 32-bit sequences wrap too.
void SlidingWindowMatchesModel(uint64_t window, uint64_t ids, uint64_t first,
                               int steps, uint64_t seed,
                               uint64_t initial_entries = uint64_t{1} << 20) {
  std::mt19937_64 rng(seed);
  std::vector<IdFingerprint> pool(ids);
  for (auto& fp : pool) fp = IdFingerprint{rng(), rng()};
  Entries entries;
  absl::flat_hash_map<IdFingerprint, uint64_t> model;
  HorizonIdTable table(window, initial_entries);
  uint64_t seq = first - 1;
  for (int step = 0; step < steps; ++step) {
    const IdFingerprint fp = pool[rng() % ids];
    ++seq;
    const bool fresh = model.emplace(fp, seq).second;
    EXPECT_EQ(table.Insert(fp, seq, entries.IsFp(fp)), fresh) << step;
    entries.by_seq[seq] = fp;
    if (seq >= first + window) {
      const uint64_t old = seq - window;
      const IdFingerprint old_fp = entries.by_seq[old];
      auto it = model.find(old_fp);
      const bool owned = it != model.end() && it->second == old;
      if (owned) model.erase(it);
      EXPECT_EQ(table.Erase(old_fp, old), owned) << step;
      entries.by_seq.erase(old);
    }
    ASSERT_EQ(table.size(), model.size()) << step;
    if (step % 7 == 0) {
      for (const auto& fp_probe : pool) {
        auto want = model.find(fp_probe);
        std::optional<uint64_t> got =
            table.Find(fp_probe, seq, entries.IsFp(fp_probe));
        if (want == model.end()) {
          ASSERT_FALSE(got.has_value()) << step;
        } else {
          ASSERT_EQ(got, want->second) << step;
        }
      }
    }
  }
}

TEST(HorizonIdTableTest, TinyTableUnderChurnMatchesAMap) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SlidingWindowMatchesModel(/*window=*/6, /*ids=*/9, /*first=*/1,
                              /*steps=*/2000, seed);
  }
}

TEST(HorizonIdTableTest, FullTableUnderChurnAcrossSequenceWrapMatchesAMap) {
  SlidingWindowMatchesModel(/*window=*/96, /*ids=*/400,
                            /*first=*/(uint64_t{1} << 32) - 5000,
                            /*steps=*/20000, /*seed=*/7);
}

TEST(HorizonIdTableTest, TinyTableGrowingUnderChurnMatchesAMap) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SlidingWindowMatchesModel(/*window=*/40, /*ids=*/60, /*first=*/1,
                              /*steps=*/2000, seed, /*initial_entries=*/1);
  }
}

// Ids inserted, looked up and evicted (oldest first, as at the horizon)
// while the table doubles again and again: the live window widens as the
// stream runs, so evictions happen during every migration. Checked against
// a map after every step, every id of the pool looked up every few steps.
TEST(HorizonIdTableTest, GrowthUnderChurnMatchesAMap) {
  for (uint64_t seed : {3, 4}) {
    std::mt19937_64 rng(seed);
    std::vector<IdFingerprint> pool(6000);
    for (auto& fp : pool) fp = IdFingerprint{rng(), rng()};
    Entries entries;
    absl::flat_hash_map<IdFingerprint, uint64_t> model;
    HorizonIdTable table(/*max_entries=*/uint64_t{1} << 14,
                         /*initial_entries=*/1);
    const uint64_t first = (uint64_t{1} << 32) - 7000;  // crosses 2^32
    uint64_t oldest = first;
    int checks_while_migrating = 0, erases_while_migrating = 0;
    for (uint64_t step = 0; step < 24000; ++step) {
      const uint64_t seq = first + step;
      const IdFingerprint fp = pool[rng() % pool.size()];
      const bool fresh = model.emplace(fp, seq).second;
      ASSERT_EQ(table.Insert(fp, seq, entries.IsFp(fp)), fresh) << step;
      entries.by_seq[seq] = fp;
      const uint64_t window = 8 + step / 4;
      while (seq - oldest >= window) {
        const IdFingerprint old_fp = entries.by_seq[oldest];
        auto it = model.find(old_fp);
        const bool owned = it != model.end() && it->second == oldest;
        if (owned) model.erase(it);
        erases_while_migrating += table.migrating() && owned;
        ASSERT_EQ(table.Erase(old_fp, oldest), owned) << step;
        entries.by_seq.erase(oldest++);
      }
      ASSERT_EQ(table.size(), model.size()) << step;
      ASSERT_LE(table.size(), table.capacity() / 4 * 3 + 1) << step;
      if (step % 5 == 0) {
        checks_while_migrating += table.migrating();
        for (const auto& probe : pool) {
          auto want = model.find(probe);
          std::optional<uint64_t> got =
              table.Find(probe, seq, entries.IsFp(probe));
          if (want == model.end()) {
            ASSERT_FALSE(got.has_value()) << step;
          } else {
            ASSERT_EQ(got, want->second) << step;
          }
        }
      }
    }
    // 8 -> 8192 slots; the last doublings happened with the window full.
    EXPECT_GE(table.growths(), 10u);
    EXPECT_GT(checks_while_migrating, 100);
    EXPECT_GT(erases_while_migrating, 100);
    EXPECT_LE(table.max_migrated_per_insert(),
              HorizonIdTable::kMigrateSlotsPerInsert);
  }
}

// No single Insert pays for a whole rehash: each moves at most
// kMigrateSlotsPerInsert old slots, and a doubling is over (old table
// freed) within capacity / kMigrateSlotsPerInsert inserts, long before the
// next one is due.
TEST(HorizonIdTableTest, WorstInsertMovesABoundedNumberOfSlots) {
  std::mt19937_64 rng(11);
  std::vector<IdFingerprint> fps(300'000);
  for (auto& fp : fps) fp = IdFingerprint{rng(), rng()};
  HorizonIdTable table(/*max_entries=*/fps.size(), /*initial_entries=*/6);
  auto never = [](uint64_t) { return false; };  // all ids distinct
  uint64_t migrating_inserts = 0, longest_migration = 0;
  for (uint64_t i = 0; i < fps.size(); ++i) {
    const uint64_t growths = table.growths();
    const uint64_t old_capacity = table.capacity();
    ASSERT_TRUE(table.Insert(fps[i], i + 1, never));
    if (table.growths() != growths) {
      migrating_inserts = 0;
      ASSERT_EQ(table.capacity(), 2 * old_capacity);
    } else if (table.migrating()) {
      longest_migration = std::max(longest_migration, ++migrating_inserts);
      ASSERT_LE(migrating_inserts,
                table.capacity() / 2 / HorizonIdTable::kMigrateSlotsPerInsert)
          << i;
    }
  }
  EXPECT_EQ(table.growths(), 16u);  // 8 -> 2^19 slots
  EXPECT_EQ(table.capacity(), table.max_capacity());
  EXPECT_EQ(longest_migration,
            (uint64_t{1} << 18) / HorizonIdTable::kMigrateSlotsPerInsert - 1);
  EXPECT_EQ(table.max_migrated_per_insert(),
            HorizonIdTable::kMigrateSlotsPerInsert);
  EXPECT_FALSE(table.migrating());
  EXPECT_EQ(table.memory_bytes(), table.max_capacity() * sizeof(uint64_t));
  EXPECT_EQ(table.size(), fps.size());
}

// A doubling's table prepared off the writer (PrepareSpare): asked for
// once, at 9/16 load, with the next size, and taken by the doubling. One
// prepared after its doubling, or after Clear, is not kept. Every id stays
// findable either way.
TEST(HorizonIdTableTest, ADoublingTakesTheTablePreparedAhead) {
  std::mt19937_64 rng(5);
  auto never = [](uint64_t) { return false; };  // all ids distinct
  HorizonIdTable table(/*max_entries=*/1 << 16, /*initial_entries=*/96);
  ASSERT_EQ(table.capacity(), 128u);
  std::vector<IdFingerprint> fps;
  uint64_t asked_at = 0, slots = 0;
  while (table.growths() == 0) {
    fps.push_back(IdFingerprint{rng(), rng()});
    ASSERT_TRUE(table.Insert(fps.back(), fps.size(), never));
    if (const uint64_t s = table.TakeSpareRequest(); s != 0) {
      ASSERT_EQ(slots, 0u) << "asked twice";
      slots = s;
      asked_at = table.size();
      table.PrepareSpare(slots);
    }
  }
  EXPECT_EQ(slots, 256u);
  EXPECT_EQ(asked_at, 128u / 16 * 9 + 1);
  EXPECT_EQ(table.capacity(), 256u);
  EXPECT_EQ(table.growths_with_spare(), 1u);

  // The next request is answered too late, after its doubling: that table
  // is not kept (it would be held until the next doubling, or for good).
  uint64_t late = 0;
  while (table.growths() == 1) {
    fps.push_back(IdFingerprint{rng(), rng()});
    ASSERT_TRUE(table.Insert(fps.back(), fps.size(), never));
    if (const uint64_t s = table.TakeSpareRequest(); s != 0) late = s;
  }
  EXPECT_EQ(late, 512u);
  EXPECT_EQ(table.capacity(), 512u);
  table.PrepareSpare(late);
  EXPECT_FALSE(table.spare_ready());
  EXPECT_EQ(table.growths_with_spare(), 1u);
  for (uint64_t i = 0; i < fps.size(); ++i) {
    const IdFingerprint& fp = fps[i];
    EXPECT_EQ(table.Find(fp, fps.size(),
                         [&](uint64_t seq) { return fps[seq - 1] == fp; }),
              i + 1);
  }

  // Clear withdraws an open request too.
  uint64_t open = 0;
  while (open == 0) {
    fps.push_back(IdFingerprint{rng(), rng()});
    ASSERT_TRUE(table.Insert(fps.back(), fps.size(), never));
    open = table.TakeSpareRequest();
  }
  table.Clear();
  table.PrepareSpare(open);
  EXPECT_FALSE(table.spare_ready());
}

// The doubling comes while PrepareSpare is faulting its table in: the
// request is withdrawn before PrepareSpare publishes, so it must take its
// table back rather than leave it held (its early check had passed).
TEST(HorizonIdTableTest, ADoublingDuringThePreparationLeavesNoTableHeld) {
  std::mt19937_64 rng(9);
  auto never = [](uint64_t) { return false; };
  HorizonIdTable table(/*max_entries=*/1 << 16, /*initial_entries=*/96);
  uint64_t slots = 0;
  std::vector<IdFingerprint> fps;
  auto insert = [&] {
    fps.push_back(IdFingerprint{rng(), rng()});
    ASSERT_TRUE(table.Insert(fps.back(), fps.size(), never));
  };
  while (slots == 0) {
    insert();
    slots = table.TakeSpareRequest();
  }
  // Standing in for the writer thread, which would run meanwhile.
  table.SetBeforePublishForTest([&] {
    while (table.growths() == 0) insert();
  });
  table.PrepareSpare(slots);
  EXPECT_EQ(table.growths(), 1u);
  EXPECT_EQ(table.growths_with_spare(), 0u);
  EXPECT_FALSE(table.spare_ready());
}

}  // namespace
}  // namespace riskflow::log
