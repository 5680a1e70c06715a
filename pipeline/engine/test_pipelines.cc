#include "pipeline/engine/test_pipelines.h"

#include <utility>

#include "gtest/gtest.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::engine::testing {

std::shared_ptr<plugin_host::Pipeline> LoadTestPipeline(
    const riskflow::v1::PipelineConfig& config) {
  auto pipeline = plugin_host::Pipeline::Load(
      config, riskflow::testing::TestPluginSearchPath());
  EXPECT_TRUE(pipeline.ok()) << pipeline.status();
  return pipeline.ok() ? std::shared_ptr<plugin_host::Pipeline>(
                             std::move(*pipeline))
                       : nullptr;
}

std::shared_ptr<plugin_host::Pipeline> ReviewLargePayouts(
    const std::string& pipeline_name) {
  riskflow::v1::PipelineConfig config;
  config.set_name(pipeline_name);
  riskflow::v1::DetectorConfig* d = config.add_detectors();
  d->set_name("large_payout");
  d->set_plugin("large_amount");
  d->set_route(riskflow::v1::MANUAL_REVIEW);
  (*d->mutable_params())["thresholds"] = "CNY:100000";
  return LoadTestPipeline(config);
}

std::shared_ptr<plugin_host::Pipeline> SecondPaymentNotifies(
    const std::string& pipeline_name, uint32_t max_batch_events) {
  riskflow::v1::PipelineConfig config;
  config.set_name(pipeline_name);
  if (max_batch_events > 0) config.set_max_batch_events(max_batch_events);
  riskflow::v1::DetectorConfig* d = config.add_detectors();
  d->set_name("account_burst");
  d->set_plugin("velocity");
  d->set_route(riskflow::v1::NOTIFY);
  (*d->mutable_params())["key"] = "account";
  (*d->mutable_params())["max_events"] = "1";
  (*d->mutable_params())["window"] = "1m";
  return LoadTestPipeline(config);
}

}  // namespace riskflow::engine::testing
