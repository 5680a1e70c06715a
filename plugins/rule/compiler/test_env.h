// test_env.h — an Environment for compiler tests: fields set by hand,
// aggregates from a map.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_TEST_ENV_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_TEST_ENV_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "plugins/rule/compiler/evaluator.h"
#include "plugins/rule/compiler/fields.h"

namespace riskflow {
namespace rule {

class TestEnv : public Environment {
 public:
  TestEnv() {
    for (int i = 0; i < kFieldCount; ++i) values_[i] = Value();
    fields = values_;
  }
  void SetInt(int field, int64_t v) { values_[field] = Value::Int(v); }
  void SetStr(int field, std::string v) {
    strings_[field] = std::move(v);
    values_[field] = Value::Str(strings_[field]);
  }
  bool Aggregate(int index, int64_t window_ms, int64_t* out) override {
    ++aggregate_reads;
    if (fail_aggregates) return false;
    auto it = aggregates.find({index, window_ms});
    *out = it == aggregates.end() ? 0 : it->second;
    return true;
  }
  std::string_view Attribute(std::string_view key) override {
    auto it = attributes.find(std::string(key));
    return it == attributes.end() ? std::string_view() : it->second;
  }

  std::map<std::pair<int, int64_t>, int64_t> aggregates;
  std::map<std::string, std::string> attributes;
  bool fail_aggregates = false;
  int aggregate_reads = 0;

 private:
  Value values_[kFieldCount];
  std::map<int, std::string> strings_;
};

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_TEST_ENV_H_
