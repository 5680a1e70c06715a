// Velocity-like workload: per event one WindowAdd and one WindowTotal on a
// counter (1 h window, 1 min buckets) for one of N accounts, 10 ms of event
// time per event, a commit every 1000 events. ShardState (write-back cache,
// Merge deltas) against the naive path it replaces: a RocksDB Get + Put of the
// bucket per event and a prefix scan for the total.
//
//   bazel run //pipeline/state:shard_state_bench --
//     --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Args: accounts [/ cache capacity]. After the table it prints, per account
// count, how many times faster ShardState is.

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "benchmark/benchmark.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "rocksdb/options.h"
#include "tools/bench/rate_reporter.h"

namespace riskflow::state {
namespace {

constexpr int64_t kWindowMs = 3600 * 1000;
constexpr int64_t kBucketMs = 60 * 1000;
constexpr int64_t kStepMs = 10;
constexpr int kCommitEvery = 1000;
constexpr int64_t kLatenessMs = 5000;

// A store in a fresh temp dir, removed afterwards.
struct BenchDb {
  std::string dir;
  std::unique_ptr<storage::Store> store;
  StateSpec spec;

  bool Open() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/rf_bench_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) return false;
    dir = buf.data();
    auto s = OpenStateStore(dir, storage::StoreOptions());
    if (!s.ok()) return false;
    store = std::move(*s);
    auto sp = MakeStateSpec("velocity", "count", StateKind::kCounter, kWindowMs,
                            kBucketMs, 0);
    if (!sp.ok()) return false;
    spec = *sp;
    RegisterState(store.get(), spec);
    return true;
  }
  ~BenchDb() {
    store.reset();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

std::vector<std::string> Accounts(int64_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (int64_t i = 0; i < n; ++i) out.push_back("acct-" + std::to_string(i));
  return out;
}

void BM_ShardState(benchmark::State& state) {
  const int64_t n = state.range(0);
  const size_t capacity = static_cast<size_t>(state.range(1));
  BenchDb db;
  if (!db.Open()) {
    state.SkipWithError("cannot open store");
    return;
  }
  const std::vector<std::string> accounts = Accounts(n);
  ShardState cache(db.store.get(), capacity, kLatenessMs);
  std::mt19937_64 rng(7);
  int64_t i = 0;
  for (auto _ : state) {
    const std::string& e = accounts[rng() % n];
    const int64_t t = i * kStepMs;
    absl::Status s = cache.WindowAdd(db.spec, e, t, 1);
    absl::StatusOr<int64_t> total = cache.WindowTotal(db.spec, e, t, kWindowMs);
    if (!s.ok() || !total.ok()) {
      state.SkipWithError("shard state error");
      break;
    }
    benchmark::DoNotOptimize(*total);
    if (++i % kCommitEvery == 0) {
      rocksdb::WriteBatch batch;
      cache.FlushTo(&batch);
      if (!db.store->Write(&batch, /*sync=*/false).ok()) {
        state.SkipWithError("commit failed");
        break;
      }
      cache.Trim();
    }
  }
  state.SetItemsProcessed(state.iterations());
  const auto st = cache.stats();
  state.counters["hit_rate"] =
      static_cast<double>(st.hits) / std::max<uint64_t>(1, st.hits + st.misses);
}

void BM_NaiveRocksDb(benchmark::State& state) {
  const int64_t n = state.range(0);
  BenchDb db;
  if (!db.Open()) {
    state.SkipWithError("cannot open store");
    return;
  }
  const std::vector<std::string> accounts = Accounts(n);
  rocksdb::ColumnFamilyHandle* cf = db.store->handle(storage::Cf::kState);
  std::mt19937_64 rng(7);
  std::string value, upper;
  int64_t i = 0;
  for (auto _ : state) {
    const std::string& e = accounts[rng() % n];
    const int64_t t = i++ * kStepMs;
    // Read-modify-write of the event's bucket.
    const std::string key = BucketKey(db.spec.id, e, BucketOf(t, kBucketMs));
    absl::StatusOr<bool> found =
        db.store->Get(storage::Cf::kState, key, &value);
    int64_t count = 0;
    if (!found.ok() || (*found && !DecodeInt64(value, &count))) {
      state.SkipWithError("get failed");
      break;
    }
    rocksdb::WriteBatch put;
    if (!put.Put(cf, key, EncodeInt64(count + 1)).ok() ||
        !db.store->Write(&put, /*sync=*/false).ok()) {
      state.SkipWithError("put failed");
      break;
    }
    // Total by a prefix scan over the window's buckets.
    const std::string prefix = EntityPrefix(db.spec.id, e);
    storage::PrefixSuccessor(prefix, &upper);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    auto it = db.store->NewIterator(storage::Cf::kState, ro);
    int64_t total = 0;
    for (it->Seek(
             BucketKey(db.spec.id, e, BucketOf(t - kWindowMs + 1, kBucketMs)));
         it->Valid(); it->Next()) {
      int64_t v = 0;
      if (DecodeInt64(it->value().ToStringView(), &v)) total += v;
    }
    if (!db.store->IteratorStatus(*it, "scan").ok()) {
      state.SkipWithError("scan failed");
      break;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ShardState)
    ->Args({1000, 100000})
    ->Args({100000, 200000})
    ->Args({100000, 10000});
BENCHMARK(BM_NaiveRocksDb)->Arg(1000)->Arg(100000);

}  // namespace
}  // namespace riskflow::state

int main(int argc, char** argv) {
  return riskflow::bench::RunWithRatios(
      argc, argv, [](const riskflow::bench::RateReporter::Rates& rates) {
        auto naive = rates.find("BM_NaiveRocksDb");
        auto cached = rates.find("BM_ShardState");
        if (naive == rates.end() || cached == rates.end()) return;
        std::printf("\nShardState vs naive read-modify-write (items/s):\n");
        for (const auto& [args, rate] : cached->second) {
          const std::string accounts = args.substr(0, args.find('/'));
          auto base = naive->second.find(accounts);
          if (base == naive->second.end() || base->second <= 0) continue;
          std::printf("  accounts=%-7s cache=%-7s %12.0f vs %10.0f  = %.1fx\n",
                      accounts.c_str(),
                      args.substr(args.find('/') + 1).c_str(), rate,
                      base->second, rate / base->second);
        }
      });
}
