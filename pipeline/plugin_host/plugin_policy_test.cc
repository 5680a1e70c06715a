// Build allowlists (the pipeline's plugin_sha256_allowlist and the
// operator's --plugin_allowlist file) and Pipeline::TryCreate, the dry run
// of every detector's create().
#include "pipeline/plugin_host/plugin_policy.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::RealPluginPath;
using ::riskflow::testing::TestPluginSearchPath;
using ::testing::HasSubstr;

constexpr char kZeros[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

riskflow::v1::PipelineConfig Velocity(
    const std::map<std::string, std::string>& params = {}) {
  riskflow::v1::PipelineConfig config;
  config.set_name("p");
  riskflow::v1::DetectorConfig* d = config.add_detectors();
  d->set_name("vel");
  d->set_plugin("velocity");
  for (const auto& [k, v] : params) (*d->mutable_params())[k] = v;
  return config;
}

std::string VelocityBuild() {
  auto p = LoadPlugin(RealPluginPath("velocity"));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? (*p)->build_id() : "";
}

TEST(AllowlistTest, PipelineListAllowsOnlyListedBuilds) {
  const std::string build = VelocityBuild();
  riskflow::v1::PipelineConfig config = Velocity();
  config.add_plugin_sha256_allowlist(kZeros);
  auto refused = Pipeline::Load(config, TestPluginSearchPath());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  const std::string message(refused.status().message());
  EXPECT_THAT(message, HasSubstr("detector 'vel'"));
  EXPECT_THAT(message, HasSubstr(RealPluginPath("velocity")));
  EXPECT_THAT(message, HasSubstr("build sha256 " + build +
                                 " is not in the pipeline's "
                                 "plugin_sha256_allowlist"));
  config.add_plugin_sha256_allowlist(build);
  auto loaded = Pipeline::Load(config, TestPluginSearchPath());
  EXPECT_TRUE(loaded.ok()) << loaded.status();
}

TEST(AllowlistTest, OperatorListWinsOverThePipeline) {
  const std::string build = VelocityBuild();
  PluginPolicy policy(TestPluginSearchPath());
  policy.sha256_allowlist = {kZeros};
  riskflow::v1::PipelineConfig config = Velocity();
  // The pipeline listing the build does not override the operator.
  config.add_plugin_sha256_allowlist(build);
  auto refused = Pipeline::Load(config, policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("build sha256 " + build +
                        " is not on riskflowd's --plugin_allowlist"));
  policy.sha256_allowlist.push_back(build);
  EXPECT_TRUE(Pipeline::Load(config, policy).ok());
  // Operator list alone.
  EXPECT_TRUE(Pipeline::Load(Velocity(), policy).ok());
}

TEST(AllowlistTest, ReadsFileWithCommentsAndRefusesBadLines) {
  storage::ScopedTempDir tmp;
  const std::string path = tmp.path() + "/allow.txt";
  std::ofstream(path) << "# pinned builds\n\n"
                      << std::string(64, 'A') << "  # velocity 1.1.0\n"
                      << "   " << kZeros << "\n";
  auto list = ReadPluginAllowlist(path);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(*list, (std::vector<std::string>{std::string(64, 'a'), kZeros}));

  std::ofstream(path) << kZeros << "\nnot-a-hash\n";
  auto bad = ReadPluginAllowlist(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "plugin allowlist " + path +
                ":2: expected a SHA-256 as 64 hex digits, got 'not-a-hash'");
  auto missing = ReadPluginAllowlist(tmp.path() + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("cannot be read"));
}

TEST(TryCreateTest, RunsCreateAndReportsItsRefusal) {
  // bucket longer than the window: valid by the schema, refused by the
  // velocity detector's own create().
  auto pipeline =
      Pipeline::Load(Velocity({{"bucket", "2m"}}), TestPluginSearchPath());
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  absl::Status s = (*pipeline)->TryCreate();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("detector 'vel' (plugin velocity at " +
                        RealPluginPath("velocity") + ") refused to start: "
                        "parameter 'bucket': 2m is longer than the window "
                        "of 1m"));
  auto good = Pipeline::Load(Velocity(), TestPluginSearchPath());
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE((*good)->TryCreate().ok());
}

TEST(FileParamDirTest, IsThePipelineFilesDirectory) {
  EXPECT_EQ(FileParamDirFor("/etc/riskflow/pipeline.yaml"), "/etc/riskflow");
  EXPECT_EQ(FileParamDirFor("conf/p.yaml"), "conf");
  EXPECT_EQ(FileParamDirFor("p.yaml"), ".");
  EXPECT_EQ(FileParamDirFor("/p.yaml"), "/");
  EXPECT_EQ(FileParamDirFor("<embedded default>"), "");
  EXPECT_EQ(FileParamDirFor(""), "");
}

}  // namespace
}  // namespace riskflow::plugin_host
