// The held-out split `riskflow train` and `riskflow report --holdout_percent`
// share: an account is held out when FNV-1a-64(account_id) % 100 < percent.
// By account, not by time: an anomaly episode is several events of one
// account whose windows span them all, so splitting inside an account would
// let training see half an episode and test on the other half (leakage);
// hashing keeps every event of an account on one side, deterministically,
// whatever the stream order or the seed (docs/models.md).
#ifndef RISKFLOW_PIPELINE_REPORT_HOLDOUT_H_
#define RISKFLOW_PIPELINE_REPORT_HOLDOUT_H_

#include <cstdint>
#include <string_view>

namespace riskflow::report {

inline uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

inline bool IsHeldOut(std::string_view account_id, int percent) {
  return static_cast<int>(Fnv1a64(account_id) % 100) < percent;
}

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_HOLDOUT_H_
