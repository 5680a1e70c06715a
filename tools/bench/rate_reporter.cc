#include "tools/bench/rate_reporter.h"

namespace riskflow::bench {

void RateReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& r : runs) {
    if (r.error_occurred) continue;
    if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") {
      continue;
    }
    auto c = r.counters.find("items_per_second");
    if (c == r.counters.end()) continue;
    rates_[r.run_name.function_name][r.run_name.args] = c->second.value;
  }
}

int RunWithRatios(int argc, char** argv,
                  const std::function<void(const RateReporter::Rates&)>&
                      print_ratios) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_ratios(reporter.rates());
  benchmark::Shutdown();
  return 0;
}

}  // namespace riskflow::bench
