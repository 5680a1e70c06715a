// Tests of ShardDetectors: a real store, shard cache and detector
// instances over one pipeline of the test plugins.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_SHARD_DETECTORS_TEST_UTIL_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_SHARD_DETECTORS_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow::plugin_host {

// Generous, so a slow test machine never turns a success into an overrun
// (overruns count as faults and would skew the consecutive-fault counts).
inline constexpr int64_t kTestBudgetUs = 60 * 1000 * 1000;

struct TestShard {
  storage::ScopedTempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<state::ShardState> state;
  std::unique_ptr<ShardDetectors> detectors;
};

// A fresh shard running `pipeline`'s detectors; null (and a test failure)
// when the store or an instance cannot be made.
std::unique_ptr<TestShard> NewTestShard(Pipeline* pipeline);

// Appends a detector with kTestBudgetUs to `config`.
riskflow::v1::DetectorConfig* AddDetector(
    riskflow::v1::PipelineConfig* config, const std::string& name,
    const std::string& plugin,
    const std::map<std::string, std::string>& params);

// The pipeline, loaded from the test plugins; null (and a test failure)
// when it does not load.
std::unique_ptr<Pipeline> MustLoad(const riskflow::v1::PipelineConfig& c);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_SHARD_DETECTORS_TEST_UTIL_H_
