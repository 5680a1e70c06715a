#include "pipeline/plugin_host/shard_detectors_test_util.h"

#include <utility>

#include "gtest/gtest.h"
#include "pipeline/state/state_store.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {

std::unique_ptr<TestShard> NewTestShard(Pipeline* pipeline) {
  auto shard = std::make_unique<TestShard>();
  storage::StoreOptions opts;
  opts.block_cache_bytes = 8 << 20;
  opts.write_buffer_bytes = 8 << 20;
  auto store = state::OpenStateStore(shard->dir.path(), opts);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  shard->store = std::move(*store);
  shard->state =
      std::make_unique<state::ShardState>(shard->store.get(), 1000, 0);
  auto detectors = pipeline->Instantiate(shard->state.get(), shard->store.get());
  EXPECT_TRUE(detectors.ok()) << detectors.status();
  if (!detectors.ok()) return nullptr;
  shard->detectors = std::move(*detectors);
  return shard;
}

riskflow::v1::DetectorConfig* AddDetector(
    riskflow::v1::PipelineConfig* config, const std::string& name,
    const std::string& plugin,
    const std::map<std::string, std::string>& params) {
  riskflow::v1::DetectorConfig* d = config->add_detectors();
  d->set_name(name);
  d->set_plugin(plugin);
  for (const auto& [k, v] : params) (*d->mutable_params())[k] = v;
  d->set_time_budget_us(kTestBudgetUs);
  return d;
}

std::unique_ptr<Pipeline> MustLoad(const riskflow::v1::PipelineConfig& c) {
  auto pipeline = Pipeline::Load(c, riskflow::testing::TestPluginSearchPath());
  EXPECT_TRUE(pipeline.ok()) << pipeline.status();
  return pipeline.ok() ? std::move(*pipeline) : nullptr;
}

}  // namespace riskflow::plugin_host
