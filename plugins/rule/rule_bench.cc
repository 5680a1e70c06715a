// rule_bench: cost per event of the 5-clause velocity rule
// (equivalence_rules.h) against the C++ velocity plugin configured the same
// way, in one run, on one stream, through the same host (the SDK's fake
// host, so both pay the same state cost), plus the evaluation alone
// (compiled program vs the same condition written in C++).
//
//   bazel run //plugins/rule:rule_bench
//
// Prints Google Benchmark's table, then "ratio rule/C++" from interleaved
// timing rounds. Results: docs/rules.md ("Cost per event").
#include <time.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "plugins/rule/compiler/compile.h"
#include "plugins/rule/compiler/evaluator.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/compiler/rule_set.h"
#include "plugins/rule/compiler/test_env.h"
#include "plugins/rule/equivalence_rules.h"
#include "plugins/rule/loaded_plugin.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace rule {
namespace {

std::string g_rule, g_velocity;

std::vector<sdk::FakeEvent> Stream(int n) {
  std::mt19937_64 rng(42);
  std::vector<sdk::FakeEvent> out;
  int64_t t = 1767225600000;
  static const rf_event_type kTypes[] = {RF_EVENT_PAYMENT, RF_EVENT_PAYOUT,
                                         RF_EVENT_TRANSFER, RF_EVENT_LOGIN};
  for (int i = 0; i < n; ++i) {
    t += 1 + static_cast<int64_t>(rng() % 2000);
    out.push_back(sdk::FakeEvent()
                      .Id("e" + std::to_string(i))
                      .Type(kTypes[rng() % 4])
                      .At(t)
                      .Account("acct-" + std::to_string(rng() % 1000))
                      .Counterparty("bene-" + std::to_string(rng() % 100))
                      .Amount(static_cast<int64_t>(rng() % 20000000), "CNY"));
  }
  return out;
}

const std::vector<sdk::FakeEvent>& Events() {
  static const std::vector<sdk::FakeEvent> kEvents = Stream(20000);
  return kEvents;
}

struct Pair {
  sdk::FakeHost cpp;
  sdk::FakeHost scripted;
  Pair(const rf_plugin_descriptor* a, const rf_plugin_descriptor* b)
      : cpp(a), scripted(b) {}
};

Pair* MakePair() {
  std::string error;
  const rf_plugin_descriptor* v = LoadPlugin(g_velocity, &error);
  const rf_plugin_descriptor* r = LoadPlugin(g_rule, &error);
  if (v == nullptr || r == nullptr) {
    std::fprintf(stderr, "cannot load plugins: %s\n", error.c_str());
    std::exit(1);
  }
  auto* p = new Pair(v, r);
  if (!p->cpp.Create(VelocityParams()).ok() ||
      !p->scripted.Create({{"rules", kVelocityRules}}).ok()) {
    std::fprintf(stderr, "create failed\n");
    std::exit(1);
  }
  return p;
}

// Events are fed in order; after the last one the stream starts again (the
// hosts keep their state, so later rounds see fuller windows — the same for
// both sides).
void Feed(sdk::FakeHost& host, size_t* next) {
  const auto& events = Events();
  host.Feed(events[*next % events.size()]);
  ++*next;
}

void BM_VelocityCpp(benchmark::State& state) {
  static Pair* pair = MakePair();
  size_t next = 0;
  for (auto _ : state) Feed(pair->cpp, &next);
}
BENCHMARK(BM_VelocityCpp);

void BM_VelocityRule(benchmark::State& state) {
  static Pair* pair = MakePair();
  size_t next = 0;
  for (auto _ : state) Feed(pair->scripted, &next);
}
BENCHMARK(BM_VelocityRule);

// The condition alone: the compiled `when` vs the same test in C++, with
// the aggregate values already known (what the language itself costs).
void BM_EvalCompiled(benchmark::State& state) {
  RuleSet set;
  std::string error;
  if (!CompileRuleSet(kVelocityRules, &set, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  TestEnv env;
  env.SetStr(kFieldType, "PAYOUT");
  env.SetStr(kFieldAccount, "acct-1");
  env.aggregates[{0, 60000}] = 3;
  env.aggregates[{0, 3600000}] = 20;
  env.aggregates[{0, 86400000}] = 90;
  Evaluator ev;
  ev.Reserve(set.rules[0].when);
  for (auto _ : state) {
    int64_t budget = kDefaultStepBudget;
    benchmark::DoNotOptimize(ev.Run(set.rules[0].when, env, &budget));
  }
}
BENCHMARK(BM_EvalCompiled);

void BM_EvalCpp(benchmark::State& state) {
  TestEnv env;
  env.SetStr(kFieldType, "PAYOUT");
  env.SetStr(kFieldAccount, "acct-1");
  env.aggregates[{0, 60000}] = 3;
  env.aggregates[{0, 3600000}] = 20;
  env.aggregates[{0, 86400000}] = 90;
  Environment& e = env;
  for (auto _ : state) {
    const std::string_view type = e.fields[kFieldType].str();
    int64_t a = 0, b = 0, c = 0;
    bool r = (type == "PAYMENT" || type == "PAYOUT" || type == "TRANSFER") &&
             !e.fields[kFieldAccount].str().empty() &&
             ((e.Aggregate(0, 60000, &a), a > 5) ||
              (e.Aggregate(0, 3600000, &b), b > 30) ||
              (e.Aggregate(0, 86400000, &c), c > 100));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EvalCpp);

// Interleaved rounds on fresh hosts, so both sides see the same windows.
void PrintRatio() {
  Pair* pair = MakePair();
  const auto& events = Events();
  double cpp_ns = 0, rule_ns = 0;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    for (int side = 0; side < 2; ++side) {
      sdk::FakeHost& host = side == 0 ? pair->cpp : pair->scripted;
      // Thread CPU time: the machine is shared, wall time is not ours.
      timespec a, b;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
      for (size_t i = round * events.size() / kRounds;
           i < (round + 1) * events.size() / kRounds; ++i) {
        host.Feed(events[i]);
      }
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
      const double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
      (side == 0 ? cpp_ns : rule_ns) += ns;
    }
  }
  const double n = static_cast<double>(events.size());
  std::printf("velocity, 5-clause rule vs C++ plugin, %zu events, same host, "
              "thread CPU time:\n"
              "  C++ plugin   %8.0f ns/event\n"
              "  rule         %8.0f ns/event\n"
              "  ratio rule/C++ %.2f\n",
              events.size(), cpp_ns / n, rule_ns / n, rule_ns / cpp_ns);
}

}  // namespace
}  // namespace rule
}  // namespace riskflow

int main(int argc, char** argv) {
  using riskflow::rule::FindArg;
  riskflow::rule::g_rule = FindArg(argc, argv, "/librule.so");
  riskflow::rule::g_velocity = FindArg(argc, argv, "/libvelocity.so");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  riskflow::rule::PrintRatio();
  return 0;
}
