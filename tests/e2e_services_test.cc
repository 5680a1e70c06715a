// The daemon's service surface over loopback: Admin.GetPipeline,
// Admin.ListPlugins, the standard grpc.health.v1 check and reflection.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/raw_call.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::PluginInfo;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDaemon>> d = TestDaemon::Start();
    ASSERT_TRUE(d.ok()) << d.status();
    daemon_ = *std::move(d);
  }
  std::unique_ptr<TestDaemon> daemon_;
};

std::vector<std::string> ParamNames(const PluginInfo& p) {
  std::vector<std::string> names;
  for (const riskflow::v1::ParamSpec& s : p.params()) names.push_back(s.name());
  return names;
}

TEST_F(ServicesTest, GetPipelineDescribesTheEmbeddedDefault) {
  absl::StatusOr<riskflow::v1::PipelineInfo> info = daemon_->Pipeline();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->source(), "<embedded default>");
  EXPECT_EQ(info->config().name(), "default");
  EXPECT_THAT(info->version_hash(), MatchesRegex("[0-9a-f]{64}"));
  std::vector<std::string> names;
  for (const auto& d : info->config().detectors()) names.push_back(d.name());
  EXPECT_THAT(names, ElementsAre("velocity_burst", "velocity_extreme",
                                 "large_payout", "duplicate_payout"));
}

TEST_F(ServicesTest, ListPluginsListsTheFourDetectorsWithParams) {
  absl::StatusOr<riskflow::v1::ListPluginsResponse> r = daemon_->Plugins();
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->plugins_size(), 4);
  const PluginInfo& burst = r->plugins(0);
  const PluginInfo& extreme = r->plugins(1);
  const PluginInfo& large = r->plugins(2);
  const PluginInfo& dup = r->plugins(3);
  EXPECT_EQ(burst.detector(), "velocity_burst");
  EXPECT_EQ(extreme.detector(), "velocity_extreme");
  EXPECT_EQ(large.detector(), "large_payout");
  EXPECT_EQ(dup.detector(), "duplicate_payout");
  EXPECT_EQ(burst.plugin_name(), "velocity");
  EXPECT_EQ(extreme.plugin_name(), "velocity");
  EXPECT_EQ(large.plugin_name(), "large_amount");
  EXPECT_EQ(dup.plugin_name(), "duplicate_payout");
  for (const PluginInfo& p : r->plugins()) {
    SCOPED_TRACE(p.detector());
    // 1.1.1: duplicate_payout's window became half-open (docs/windows.md).
    // velocity 1.2.0: counterparty / device keys are keyed stages
    // (docs/keyed-stages.md).
    const char* want = p.plugin_name() == "duplicate_payout" ? "1.1.1"
                       : p.plugin_name() == "velocity"        ? "1.2.0"
                                                              : "1.1.0";
    EXPECT_EQ(p.plugin_version(), want);
    EXPECT_FALSE(p.description().empty());
    EXPECT_THAT(p.path(), EndsWith("/lib" + p.plugin_name() + ".so"));
    EXPECT_THAT(p.build_id(), MatchesRegex("[0-9a-f]{64}"));
    EXPECT_EQ(p.abi_major(), 1u);
    EXPECT_EQ(p.faults(), 0u);
    EXPECT_FALSE(p.quarantined());
    for (const riskflow::v1::ParamSpec& s : p.params()) {
      EXPECT_FALSE(s.type().empty()) << s.name();
      EXPECT_FALSE(s.doc().empty()) << s.name();
    }
  }
  // One .so, two instances.
  EXPECT_EQ(burst.build_id(), extreme.build_id());
  EXPECT_THAT(ParamNames(burst),
              ElementsAre("max_events", "window", "bucket", "types", "key",
                          "windows", "sum_limits"));
  EXPECT_THAT(ParamNames(large),
              ElementsAre("thresholds", "types", "reference_currency",
                          "reference_threshold_minor", "rates"));
  EXPECT_TRUE(large.params(0).required());
  EXPECT_THAT(ParamNames(dup), ElementsAre("window", "types"));
  EXPECT_EQ(burst.params(0).default_value(), "10");
  EXPECT_EQ(burst.params(0).min(), 1);

  EXPECT_EQ(burst.values().at("max_events"), "5");
  EXPECT_EQ(extreme.values().at("max_events"), "20");
  EXPECT_EQ(burst.values().at("types"), "PAYMENT,PAYOUT,TRANSFER");
  EXPECT_EQ(large.values().at("thresholds"),
            "CNY:10000000,USD:1500000,EUR:1300000");
  EXPECT_EQ(large.values().at("types"), "PAYOUT");
  EXPECT_EQ(dup.values().at("types"), "PAYOUT");
  EXPECT_EQ(burst.values().size(), 5u);  // the four given + key's default
  EXPECT_EQ(dup.values().size(), 2u);
}

TEST_F(ServicesTest, StandardHealthCheckAnswersServing) {
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message.
  RawResult r =
      RawUnaryCall(daemon_->channel(), "/grpc.health.v1.Health/Check", "");
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  ASSERT_EQ(r.responses.size(), 1u);
  // HealthCheckResponse{status: SERVING (1)}: field 1, varint 1.
  EXPECT_EQ(r.responses[0], std::string("\x08\x01", 2));
}

TEST_F(ServicesTest, ReflectionListsTheRiskflowServices) {
  // ServerReflectionRequest{list_services: ""}: field 7, length 0.
  RawResult r = RawStreamingCall(
      daemon_->channel(),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      {std::string("\x3a\x00", 2)});
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_THAT(r.responses[0], HasSubstr("riskflow.v1.Ingest"));
  EXPECT_THAT(r.responses[0], HasSubstr("riskflow.v1.Sinks"));
  EXPECT_THAT(r.responses[0], HasSubstr("riskflow.v1.Admin"));
  EXPECT_THAT(r.responses[0], HasSubstr("grpc.health.v1.Health"));
}

}  // namespace
}  // namespace riskflow::e2e
