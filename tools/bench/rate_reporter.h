// Benchmarks report ratios against a baseline measured in the same run
// (machines here are shared and noisy, so absolute figures from different
// runs do not compare). RateReporter prints Google Benchmark's usual table
// and keeps each benchmark's items/s — the median when repetitions are
// aggregated — so main() can print those ratios at the end.
#ifndef RISKFLOW_TOOLS_BENCH_RATE_REPORTER_H_
#define RISKFLOW_TOOLS_BENCH_RATE_REPORTER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace riskflow::bench {

class RateReporter : public benchmark::ConsoleReporter {
 public:
  // Benchmark function name -> its argument string ("accounts:1000/..."
  // or "1000/100000"; "" without arguments) -> items/s.
  using Rates = std::map<std::string, std::map<std::string, double>>;

  void ReportRuns(const std::vector<Run>& runs) override;
  const Rates& rates() const { return rates_; }

 private:
  Rates rates_;
};

// Initialize, run every selected benchmark through a RateReporter, call
// `print_ratios` with it, shut down. Returns main()'s exit code.
int RunWithRatios(int argc, char** argv,
                  const std::function<void(const RateReporter::Rates&)>&
                      print_ratios);

}  // namespace riskflow::bench

#endif  // RISKFLOW_TOOLS_BENCH_RATE_REPORTER_H_
