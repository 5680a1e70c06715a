// canary.h — which accounts a canary rule routes for: a stable hash of the
// account id (FNV-1a, 64 bit) modulo 100, compared with canary_percent. It
// depends on nothing but the account's bytes, so a replay, another shard
// count or another host routes exactly the same accounts, and raising the
// percentage only ever adds accounts (bucket < percent).
#ifndef RISKFLOW_PLUGINS_RULE_CANARY_H_
#define RISKFLOW_PLUGINS_RULE_CANARY_H_

#include <cstdint>
#include <string_view>

namespace riskflow {
namespace rule {

inline int CanaryBucket(std::string_view account) {
  uint64_t h = 14695981039346656037ULL;
  for (char c : account) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<int>(h % 100);
}

inline bool InCanary(std::string_view account, int percent) {
  return CanaryBucket(account) < percent;
}

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_CANARY_H_
