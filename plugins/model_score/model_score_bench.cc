// Per-event cost of model_score (28 features, the example model of
// examples/models: 100 trees of depth 4) against large_amount, both loaded
// from their .so files and fed the same events through the fake host in one
// run; also model_score's features mode alone, which splits the cost into
// feature computation (windowed state) and XGBoost inference.
//   bazel run -c opt //plugins/model_score:model_score_bench
// The fake host keeps state in std::map, not riskflowd's shard cache, so the
// absolute numbers are the harness's; the ratio is the figure.
#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "plugins/sdk/fake_host.h"

namespace {

using riskflow::sdk::FakeEvent;
using riskflow::sdk::FakeHost;

const rf_plugin_descriptor* Load(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    std::fprintf(stderr, "dlopen %s: %s\n", path.c_str(), dlerror());
    std::exit(1);
  }
  auto entry = reinterpret_cast<rf_plugin_entry_fn>(
      dlsym(h, RF_PLUGIN_ENTRY_SYMBOL));
  return entry();
}

std::string Runfile(const std::string& p) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir != nullptr) return std::string(srcdir) + "/riskflow/" + p;
  return p;  // bazel run: the working directory is the runfiles root
}

// The example pipeline's feature list, read from its YAML.
std::string ExampleFeatures() {
  std::ifstream in(Runfile("examples/models/model_score.yaml"));
  std::string line, out;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line.find("features:") != std::string::npos) {
      in_list = true;
      continue;
    }
    size_t dash = line.find("- ");
    if (in_list && dash != std::string::npos && line.find(':') == std::string::npos) {
      out += (out.empty() ? "" : ",") + line.substr(dash + 2);
    } else if (in_list) {
      in_list = false;
    }
  }
  return out;
}

std::vector<FakeEvent> Events() {
  std::vector<FakeEvent> events;
  const char* types[] = {"PAYMENT", "PAYOUT", "TRANSFER", "LOGIN"};
  for (int i = 0; i < 20000; ++i) {
    FakeEvent e;
    e.Id("e" + std::to_string(i))
        .Account("acct-" + std::to_string(i % 500))
        .At(1767225600000 + int64_t{i} * 30000)
        .Amount(1000 + (i * 7919) % 5000000, i % 3 == 0 ? "USD" : "CNY")
        .Counterparty("cp-" + std::to_string(i % 97))
        .Type(riskflow::sdk::EventTypeFromName(types[i % 4]));
    events.push_back(e);
  }
  return events;
}

void Run(benchmark::State& state, const rf_plugin_descriptor* d,
         const std::map<std::string, std::string>& params) {
  FakeHost host(d);
  host.set_file_base_dir(Runfile("examples/models"));
  if (!host.Create(params).ok()) {
    state.SkipWithError(host.last_error().c_str());
    return;
  }
  const std::vector<FakeEvent> events = Events();
  std::vector<riskflow::sdk::FakeAnnotation> out;
  size_t i = 0;
  for (auto _ : state) {
    FakeEvent e = events[i % events.size()];
    // Time moves on so windows keep sliding across laps.
    e.At(1767225600000 + static_cast<int64_t>(i) * 30000);
    (void)host.Feed(e, &out);
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(i));
}

const rf_plugin_descriptor* ModelScore() {
  static const rf_plugin_descriptor* d =
      Load(Runfile("plugins/model_score/libmodel_score.so"));
  return d;
}
const rf_plugin_descriptor* LargeAmount() {
  static const rf_plugin_descriptor* d =
      Load(Runfile("plugins/large_amount/liblarge_amount.so"));
  return d;
}

void BM_LargeAmount(benchmark::State& state) {
  Run(state, LargeAmount(), {{"thresholds", "CNY:5000000,USD:700000"}});
}
void BM_ModelScoreFeaturesOnly(benchmark::State& state) {
  Run(state, ModelScore(),
      {{"mode", "features"},
       {"features", ExampleFeatures()},
       {"rates", "USD:7.10,EUR:7.80"}});
}
void BM_ModelScore(benchmark::State& state) {
  Run(state, ModelScore(),
      {{"model", "model.json"},
       {"features", ExampleFeatures()},
       {"rates", "USD:7.10,EUR:7.80"},
       {"freeze_above", "0.95"},
       {"review_above", "0.7"}});
}
BENCHMARK(BM_LargeAmount);
BENCHMARK(BM_ModelScoreFeaturesOnly);
BENCHMARK(BM_ModelScore);

// Keeps each benchmark's CPU time per iteration for the ratio line (CPU,
// not wall time: the build machines are shared and often overloaded).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.iterations > 0) ns_[r.benchmark_name()] = r.GetAdjustedCPUTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto& ns = reporter.ns_;
  if (ns.count("BM_LargeAmount") && ns.count("BM_ModelScore") &&
      ns.count("BM_ModelScoreFeaturesOnly")) {
    std::printf(
        "model_score / large_amount CPU per event: %.0fx (%.0f ns vs %.0f ns); "
        "features alone %.0f ns, XGBoost inference ~%.0f ns\n",
        ns["BM_ModelScore"] / ns["BM_LargeAmount"], ns["BM_ModelScore"],
        ns["BM_LargeAmount"], ns["BM_ModelScoreFeaturesOnly"],
        ns["BM_ModelScore"] - ns["BM_ModelScoreFeaturesOnly"]);
  }
  return 0;
}
