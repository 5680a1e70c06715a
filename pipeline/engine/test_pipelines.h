#ifndef RISKFLOW_PIPELINE_ENGINE_TEST_PIPELINES_H_
#define RISKFLOW_PIPELINE_ENGINE_TEST_PIPELINES_H_

// Small real pipelines (test plugins loaded with dlopen) for the engine's
// tests.

#include <cstdint>
#include <memory>
#include <string>

#include "pipeline/plugin_host/pipeline.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow::engine::testing {

// Loads `config` from the test plugin path; null (and a test failure) if
// it does not load.
std::shared_ptr<plugin_host::Pipeline> LoadTestPipeline(
    const riskflow::v1::PipelineConfig& config);

// One detector: every CNY payout of 1,000.00 or more goes to MANUAL_REVIEW
// (large_amount), so every such event of a test stream reaches the sink
// and a double or a gap shows.
std::shared_ptr<plugin_host::Pipeline> ReviewLargePayouts(
    const std::string& pipeline_name);

// One detector: an account's second payment within a minute is NOTIFY
// (velocity keyed by account), so a decision shows whether the state of
// the first one survived. max_batch_events 0 keeps the default.
std::shared_ptr<plugin_host::Pipeline> SecondPaymentNotifies(
    const std::string& pipeline_name, uint32_t max_batch_events = 0);

}  // namespace riskflow::engine::testing

#endif  // RISKFLOW_PIPELINE_ENGINE_TEST_PIPELINES_H_
