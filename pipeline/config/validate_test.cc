#include "pipeline/config/validate.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace config {
namespace {

using ::riskflow::v1::DetectorConfig;
using ::riskflow::v1::PipelineConfig;

// A minimal valid config built directly as a proto, as the admin API or a
// test would.
PipelineConfig Valid() {
  PipelineConfig config;
  config.set_name("p");
  config.set_max_batch_events(2048);
  for (const char* name : {"a", "b_2"}) {
    DetectorConfig* d = config.add_detectors();
    d->set_name(name);
    d->set_plugin("velocity");
    d->set_on_error(riskflow::v1::MANUAL_REVIEW);
  }
  return config;
}

std::string Message(const PipelineConfig& config) {
  absl::Status s = ValidatePipeline(config);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  return std::string(s.message());
}

TEST(ValidatePipelineTest, AcceptsValid) {
  EXPECT_TRUE(ValidatePipeline(Valid()).ok());
}

TEST(ValidatePipelineTest, ShardLimit) {
  PipelineConfig c = Valid();
  c.set_shards(256);
  EXPECT_TRUE(ValidatePipeline(c).ok());
  c.set_shards(257);
  EXPECT_EQ(Message(c), "shards: 257 exceeds the maximum of 256");
}

TEST(ValidatePipelineTest, MaxBatchEventsRange) {
  PipelineConfig c = Valid();
  c.set_max_batch_events(65536);
  EXPECT_TRUE(ValidatePipeline(c).ok());
  c.set_max_batch_events(0);
  EXPECT_EQ(Message(c), "max_batch_events: must be between 1 and 65536, got 0");
  c.set_max_batch_events(65537);
  EXPECT_EQ(Message(c),
            "max_batch_events: must be between 1 and 65536, got 65537");
}

TEST(ValidatePipelineTest, NegativeLateness) {
  PipelineConfig c = Valid();
  c.set_allowed_lateness_ms(-1);
  EXPECT_EQ(Message(c), "allowed_lateness: must not be negative");
}

TEST(ValidatePipelineTest, EmptyPipelineNameAndNoDetectors) {
  PipelineConfig c = Valid();
  c.clear_name();
  EXPECT_EQ(Message(c), "name: must not be empty");
  c = Valid();
  c.clear_detectors();
  EXPECT_EQ(Message(c), "detectors: at least one detector is required");
}

TEST(ValidatePipelineTest, DetectorNames) {
  PipelineConfig c = Valid();
  c.mutable_detectors(1)->clear_name();
  EXPECT_EQ(Message(c), "detectors[1].name: must not be empty");
  c.mutable_detectors(1)->set_name("Velocity-Burst");
  EXPECT_EQ(Message(c),
            "detectors[1].name: invalid name 'Velocity-Burst' (use lowercase "
            "letters, digits and '_')");
  c.mutable_detectors(1)->set_name("a");
  EXPECT_EQ(Message(c),
            "detectors[1].name: duplicate detector name 'a' (also "
            "detectors[0])");
}

TEST(ValidatePipelineTest, DetectorFields) {
  PipelineConfig c = Valid();
  c.mutable_detectors(0)->clear_plugin();
  EXPECT_EQ(Message(c), "detectors[0].plugin: must not be empty");

  c = Valid();
  c.mutable_detectors(0)->clear_on_error();
  EXPECT_EQ(Message(c),
            "detectors[0].on_error: must be set (PASS, NOTIFY, MANUAL_REVIEW "
            "or FREEZE)");

  c = Valid();
  c.mutable_detectors(0)->set_route(static_cast<riskflow::v1::Route>(42));
  EXPECT_EQ(Message(c), "detectors[0].route: unknown route 42");

  c = Valid();
  c.mutable_detectors(0)->set_time_budget_us(-1);
  EXPECT_EQ(Message(c), "detectors[0].time_budget: must not be negative");

  c = Valid();
  (*c.mutable_detectors(0)->mutable_params())[""] = "x";
  EXPECT_EQ(Message(c), "detectors[0].params: empty parameter name");
}

TEST(ValidatePipelineTest, ZeroMeansDefaultForBudgetAndQuarantine) {
  PipelineConfig c = Valid();
  c.mutable_detectors(0)->set_time_budget_us(0);
  c.mutable_detectors(0)->set_quarantine_after(0);
  EXPECT_TRUE(ValidatePipeline(c).ok());
}

// Found by //fuzz:pipeline_yaml_fuzzer: such strings reached annotations
// and sinks (utf8_fields.h).
TEST(ValidatePipelineTest, StringsMustBeUtf8) {
  PipelineConfig c = Valid();
  c.set_name("p\xff");
  EXPECT_EQ(Message(c), "name: not valid UTF-8");
  c = Valid();
  c.mutable_detectors(1)->set_plugin("vel\xc3");
  EXPECT_EQ(Message(c), "detectors[1].plugin: not valid UTF-8");
  c = Valid();
  (*c.mutable_detectors(0)->mutable_params())["window"] = "1\xe2\x82m";
  EXPECT_EQ(Message(c), "detectors[0].params.window: not valid UTF-8");
  c = Valid();
  (*c.mutable_detectors(0)->mutable_params())["w\x80"] = "1m";
  EXPECT_EQ(Message(c), "detectors[0].params.<key #0>: not valid UTF-8");
  c = Valid();
  c.set_name("caf\xc3\xa9 \xe2\x82\xac");  // valid multi-byte UTF-8
  EXPECT_TRUE(ValidatePipeline(c).ok());
}

}  // namespace
}  // namespace config
}  // namespace riskflow
