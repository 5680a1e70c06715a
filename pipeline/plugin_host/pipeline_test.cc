// Pipeline::Load (parameter validation against each plugin's schema, the
// version hash) and Pipeline::Instantiate (create() refusals), with the
// real velocity plugin and the test-only faulty plugin.
#include "pipeline/plugin_host/pipeline.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::RealPluginPath;
using ::riskflow::testing::TestPluginPath;
using ::riskflow::testing::TestPluginSearchPath;
using ::testing::HasSubstr;

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

riskflow::v1::DetectorConfig* AddDetector(
    riskflow::v1::PipelineConfig* config, const std::string& name,
    const std::string& plugin,
    const std::map<std::string, std::string>& params = {}) {
  riskflow::v1::DetectorConfig* d = config->add_detectors();
  d->set_name(name);
  d->set_plugin(plugin);
  for (const auto& [k, v] : params) (*d->mutable_params())[k] = v;
  return d;
}

riskflow::v1::PipelineConfig TwoDetectors(const std::string& max_events) {
  riskflow::v1::PipelineConfig config;
  config.set_name("test");
  AddDetector(&config, "vel", "velocity", {{"max_events", max_events}});
  AddDetector(&config, "flaky", "faulty", {{"fail_every", "3"}});
  return config;
}

// Expects Load(config) to fail with InvalidArgument naming every part.
void ExpectLoadFails(const riskflow::v1::PipelineConfig& config,
                     const std::vector<std::string>& parts) {
  auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_FALSE(pipeline.ok());
  EXPECT_EQ(pipeline.status().code(), absl::StatusCode::kInvalidArgument)
      << pipeline.status();
  const std::string message(pipeline.status().message());
  for (const std::string& part : parts) EXPECT_THAT(message, HasSubstr(part));
}

TEST(PipelineLoadTest, UnknownParameterNamesDetectorPluginAndParameter) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel", "velocity");
  AddDetector(&config, "flaky", "faulty", {{"fail_evry", "2"}});
  ExpectLoadFails(config, {"detector 'flaky'", TestPluginPath("faulty"),
                           "plugin faulty", "parameter 'fail_evry'",
                           "unknown parameter", "fail_every"});
}

TEST(PipelineLoadTest, OutOfRangeParameter) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel", "velocity", {{"max_events", "0"}});
  ExpectLoadFails(config, {"detector 'vel'", RealPluginPath("velocity"),
                           "parameter 'max_events'", "out of range"});
  riskflow::v1::PipelineConfig negative;
  AddDetector(&negative, "flaky", "faulty", {{"fail_every", "-1"}});
  ExpectLoadFails(negative, {"detector 'flaky'", TestPluginPath("faulty"),
                             "parameter 'fail_every'", "out of range"});
}

TEST(PipelineLoadTest, WrongTypeParameter) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "flaky", "faulty", {{"fail_every", "often"}});
  ExpectLoadFails(config, {"detector 'flaky'", TestPluginPath("faulty"),
                           "parameter 'fail_every'", "expected an integer",
                           "often"});
  riskflow::v1::PipelineConfig boolean;
  AddDetector(&boolean, "flaky", "faulty", {{"throw", "yes"}});
  ExpectLoadFails(boolean, {"detector 'flaky'", TestPluginPath("faulty"),
                            "parameter 'throw'"});
}

TEST(PipelineLoadTest, RefusedPluginNamesDetector) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "future", "wrong_abi_major");
  auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_FALSE(pipeline.ok());
  const std::string message(pipeline.status().message());
  EXPECT_THAT(message, HasSubstr("detector 'future'"));
  EXPECT_THAT(message, HasSubstr(TestPluginPath("wrong_abi_major")));
  EXPECT_THAT(message, HasSubstr("major versions must match"));
}

TEST(PipelineLoadTest, UnresolvablePluginNamesDetector) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "ghost", "no_such_plugin");
  auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_FALSE(pipeline.ok());
  EXPECT_EQ(pipeline.status().code(), absl::StatusCode::kNotFound);
  const std::string message(pipeline.status().message());
  EXPECT_THAT(message, HasSubstr("detector 'ghost'"));
  EXPECT_THAT(message, HasSubstr("libno_such_plugin.so"));
}

TEST(PipelineLoadTest, VersionHashIsStableAndCoversParams) {
  auto first = Pipeline::Load(TwoDetectors("5"), TestPluginSearchPath());
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Pipeline::Load(TwoDetectors("5"), TestPluginSearchPath());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(IsLowerHex64((*first)->version_hash()))
      << (*first)->version_hash();
  EXPECT_EQ((*first)->version_hash(), (*second)->version_hash());

  auto changed = Pipeline::Load(TwoDetectors("6"), TestPluginSearchPath());
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(IsLowerHex64((*changed)->version_hash()));
  EXPECT_NE((*changed)->version_hash(), (*first)->version_hash());

  // One build per detector, in pipeline order, with the plugin's build id.
  const auto& builds = (*first)->builds();
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(builds[0].detector(), "vel");
  EXPECT_EQ(builds[1].detector(), "flaky");
  EXPECT_EQ(builds[0].build_id(),
            (*first)->detectors()[0]->plugin->build_id());
  EXPECT_TRUE(IsLowerHex64(builds[1].build_id()));
}

TEST(PipelineLoadTest, ParamsAreValidatedAndNormalised) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel", "velocity", {{"window", "2m"}});
  auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  auto params = (*pipeline)->detectors()[0]->params.AsMap();
  EXPECT_EQ(params["window"], "120000ms");
  EXPECT_EQ(params["max_events"], "10");  // default applied
}

class InstantiateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions opts;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 8 << 20;
    auto store = state::OpenStateStore(dir_.path(), opts);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    shard_state_ = std::make_unique<state::ShardState>(store_.get(), 1000, 0);
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::ShardState> shard_state_;
};

TEST_F(InstantiateTest, BadStateDeclarationRefusesToStart) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel", "velocity");
  AddDetector(&config, "flaky", "faulty", {{"declare_bad_state", "true"}});
  auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  auto shard = (*pipeline)->Instantiate(shard_state_.get(), store_.get());
  ASSERT_FALSE(shard.ok());
  EXPECT_EQ(shard.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(shard.status().message());
  EXPECT_THAT(message, HasSubstr("detector 'flaky'"));
  EXPECT_THAT(message, HasSubstr(TestPluginPath("faulty")));
  EXPECT_THAT(message, HasSubstr("refused to start"));
  EXPECT_THAT(message, HasSubstr("host refused state 'bad_window'"));
  EXPECT_THAT(message, HasSubstr("bucket_ms <= window_ms (got 1000, 5000)"));
  EXPECT_TRUE((*pipeline)->detectors()[1]->states.empty());
}

TEST_F(InstantiateTest, InstancesShareDeclaredStates) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel", "velocity");
  AddDetector(&config, "flaky", "faulty");
  auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  auto one = (*pipeline)->Instantiate(shard_state_.get(), store_.get());
  ASSERT_TRUE(one.ok()) << one.status();
  state::ShardState other(store_.get(), 1000, 0);
  auto two = (*pipeline)->Instantiate(&other, store_.get());
  ASSERT_TRUE(two.ok()) << two.status();
  const DetectorSlot& vel = *(*pipeline)->detectors()[0];
  ASSERT_EQ(vel.states.size(), 1u);
  EXPECT_EQ(vel.states[0].name, "events");
  EXPECT_EQ(vel.states[0].detector, "vel");
  EXPECT_TRUE(vel.states_sealed);
  EXPECT_TRUE((*pipeline)->detectors()[1]->states.empty());
}

}  // namespace
}  // namespace riskflow::plugin_host
