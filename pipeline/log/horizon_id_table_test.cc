// The never-rehashed table under the horizon index: against a plain map as
// the model, with tables small enough that every cluster wraps around and
// every erase shifts entries back.
#include "pipeline/log/horizon_id_table.h"

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

TEST(HorizonIdTableTest, CapacityIsFixedAtThreeQuartersLoad) {
  EXPECT_EQ(HorizonIdTable(1).capacity(), 8u);
  EXPECT_EQ(HorizonIdTable(6).capacity(), 8u);
  EXPECT_EQ(HorizonIdTable(7).capacity(), 16u);
  EXPECT_EQ(HorizonIdTable(10'000'000).capacity(), uint64_t{1} << 24);
  EXPECT_EQ(HorizonIdTable(10'000'000).memory_bytes(), size_t{128} << 20);
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
                               int steps, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<IdFingerprint> pool(ids);
  for (auto& fp : pool) fp = IdFingerprint{rng(), rng()};
  Entries entries;
  absl::flat_hash_map<IdFingerprint, uint64_t> model;
  HorizonIdTable table(window);
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

}  // namespace
}  // namespace riskflow::log
