// StateChanges::Sort on a checkpoint's worth of state keys (the checkpoint
// writer's first step, docs/checkpoints.md): keys as the shards write them
// (state id | entity length | entity | bucket), added in the shuffled
// order of a walk over dirty records. The baseline, in the same run, is
// std::sort of the same keys as std::strings.
//
//   bazel run -c opt //pipeline/state:state_changes_bench --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line)
#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/state_changes.h"

namespace riskflow::state {
namespace {

// `states` state ids x `accounts` entities x 2 buckets, shuffled.
std::vector<std::string> Keys(int states, int accounts) {
  std::vector<std::string> keys;
  for (int s = 1; s <= states; ++s) {
    for (int a = 0; a < accounts; ++a) {
      for (int b = 0; b < 2; ++b) {
        keys.push_back(BucketKey(s, "acct-" + std::to_string(1000000 + a),
                                 1764800000 + b));
      }
    }
  }
  std::mt19937 rng(7);
  std::shuffle(keys.begin(), keys.end(), rng);
  return keys;
}

void BM_StateChangesSort(benchmark::State& st) {
  const std::vector<std::string> keys = Keys(st.range(0), st.range(1));
  StateChanges changes;
  for (auto _ : st) {
    st.PauseTiming();
    changes.Clear();
    for (const std::string& k : keys) changes.Merge(k, "12345678");
    st.ResumeTiming();
    changes.Sort();
  }
  st.counters["ns_per_key"] = benchmark::Counter(
      static_cast<double>(keys.size()) * st.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_StateChangesSort)
    ->Args({3, 50000})
    ->Args({13, 20000})
    ->Unit(benchmark::kMillisecond);

void BM_StringKeysSortBaseline(benchmark::State& st) {
  const std::vector<std::string> keys = Keys(st.range(0), st.range(1));
  std::vector<std::string> copy;
  for (auto _ : st) {
    st.PauseTiming();
    copy = keys;
    st.ResumeTiming();
    std::sort(copy.begin(), copy.end());
  }
  st.counters["ns_per_key"] = benchmark::Counter(
      static_cast<double>(keys.size()) * st.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_StringKeysSortBaseline)
    ->Args({3, 50000})
    ->Args({13, 20000})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace riskflow::state

BENCHMARK_MAIN();
