// One checkpoint written both ways into a real state store, alternately:
// the old single WriteBatch (WAL + memtable inserts, then the memtable
// flush it causes sooner or later) and CheckpointSst (SST files ingested).
// Reports the process CPU each costs (all threads, RocksDB's flush and
// compaction threads included; compaction runs outside the measured
// window) and what a concurrent small "decision commit" waits meanwhile:
// the write-queue stall docs/checkpoints.md is about.
//
//   bazel run -c opt //pipeline/engine:checkpoint_sst_bench -- --pairs=260000
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/engine/checkpoint_sst.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/state_changes.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

ABSL_FLAG(int, pairs, 260000, "state changes per checkpoint");
ABSL_FLAG(int, rounds, 3, "alternating rounds");
ABSL_FLAG(int, accounts, 200000, "entities the changes spread over");

namespace riskflow::engine {
namespace {

using storage::Cf;

double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Counter deltas under distinct keys (13 states x buckets x accounts), in
// a shuffled order like FlushChanges' walk over the dirty records.
state::StateChanges MakeChanges(int pairs, int accounts, uint32_t seed) {
  std::vector<int> order(pairs);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  state::StateChanges changes;
  changes.Reserve(pairs, pairs * 64);
  std::string key;
  for (int k : order) {
    const int account = k % accounts;
    const int slot = k / accounts;
    key.clear();
    state::AppendEntityPrefix(1 + slot % 13,
                              absl::StrCat("acct-", account), &key);
    state::AppendBucket(int64_t{1700000000000} + (seed + slot / 13) * 60000,
                        &key);
    changes.Merge(key, state::EncodeInt64(1 + k % 7));
  }
  return changes;
}

// Small writes standing in for the shards' decision commits.
class Committer {
 public:
  explicit Committer(storage::Store* store) : store_(store) {}
  void Start() {
    quit_ = false;
    thread_ = std::thread([this] {
      uint64_t seq = 1;
      std::string value(300, 'd');
      while (!quit_.load()) {
        rocksdb::WriteBatch batch;
        for (int i = 0; i < 8; ++i) {
          batch.Put(store_->handle(Cf::kDecisions),
                    storage::SequenceKey(seq++), value)
              .PermitUncheckedError();
        }
        const absl::Time t0 = absl::Now();
        if (!store_->Write(&batch, false).ok()) std::abort();
        latencies_.push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
        absl::SleepFor(absl::Microseconds(200));
      }
    });
  }
  // p99 and max in µs.
  std::pair<double, double> Stop() {
    quit_ = true;
    thread_.join();
    std::sort(latencies_.begin(), latencies_.end());
    std::pair<double, double> r{0, 0};
    if (!latencies_.empty()) {
      r = {latencies_[latencies_.size() * 99 / 100], latencies_.back()};
    }
    latencies_.clear();
    return r;
  }

 private:
  storage::Store* store_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
  std::vector<double> latencies_;
};

void WriteBatchWay(storage::Store* store, state::StateChanges changes,
                   uint64_t through) {
  rocksdb::WriteBatch batch;
  changes.AppendSortedTo(&batch, store->handle(Cf::kState));
  batch.Put(store->handle(Cf::kMeta), ShardLayouts::OffsetKey(2, 1),
            storage::SequenceKey(through))
      .PermitUncheckedError();
  if (!store->Write(&batch, false).ok()) std::abort();
}

void SstWay(storage::Store* store, state::StateChanges changes,
            uint64_t through) {
  CheckpointSst files(store, absl::StrCat("2-1-", through));
  if (!files.Build(changes, ShardLayouts::OffsetKey(2, 1),
                   storage::SequenceKey(through))
           .ok() ||
      !files.Ingest().ok()) {
    std::abort();
  }
}

int Main() {
  storage::ScopedTempDir dir;
  auto opened = state::OpenStateStore(dir.path() + "/engine",
                                      storage::StoreOptions());
  if (!opened.ok()) return 1;
  storage::Store* store = opened->get();
  const int pairs = absl::GetFlag(FLAGS_pairs);
  std::printf("%d state changes per checkpoint, %d accounts\n", pairs,
              absl::GetFlag(FLAGS_accounts));
  std::printf("%-11s %5s %10s %12s %14s %14s\n", "way", "round", "wall ms",
              "cpu ms", "commit p99 us", "commit max us");
  uint64_t through = 0;
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
    for (int w = 0; w < 2; ++w) {
      const bool sst = (w == 1) == (round % 2 == 1);
      state::StateChanges changes =
          MakeChanges(pairs, absl::GetFlag(FLAGS_accounts), round * 2 + w);
      // Compaction of earlier rounds out of the window.
      if (!store->Compact(Cf::kState).ok()) return 1;
      Committer committer(store);
      committer.Start();
      absl::SleepFor(absl::Milliseconds(50));
      const double cpu0 = CpuSeconds();
      const absl::Time t0 = absl::Now();
      if (sst) {
        SstWay(store, std::move(changes), ++through);
      } else {
        WriteBatchWay(store, std::move(changes), ++through);
      }
      const auto [p99, max] = committer.Stop();
      // The flush the WriteBatch's memtable costs sooner or later (and
      // the small meta memtable either way).
      if (!store->Flush().ok()) return 1;
      const double cpu = CpuSeconds() - cpu0;
      // The committer's own CPU is in both ways; it is small (a write
      // every ~200 µs).
      std::printf("%-11s %5d %10.0f %12.0f %14.0f %14.0f\n",
                  sst ? "sst-ingest" : "writebatch", round,
                  absl::ToDoubleMilliseconds(absl::Now() - t0), cpu * 1e3,
                  p99, max);
    }
  }
  return 0;
}

}  // namespace
}  // namespace riskflow::engine

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return riskflow::engine::Main();
}
