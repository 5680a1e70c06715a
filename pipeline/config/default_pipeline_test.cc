#include "pipeline/config/default_pipeline.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/config/validate.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace config {
namespace {

using ::riskflow::v1::DetectorConfig;
using ::riskflow::v1::PipelineConfig;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string ReadRunfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string full =
      srcdir ? std::string(srcdir) + "/riskflow/" + path : path;
  std::ifstream in(full, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << full;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(DefaultPipelineTest, EmbeddedCopyMatchesDocsFile) {
  const std::string file = ReadRunfile("pipeline/config/default_pipeline.yaml");
  const std::string_view embedded = DefaultPipelineYaml();
  if (file == embedded) return;
  // Point at the first difference; a whole-file diff in a test log is
  // unreadable.
  size_t i = 0;
  int line = 1;
  while (i < file.size() && i < embedded.size() && file[i] == embedded[i]) {
    if (file[i] == '\n') ++line;
    ++i;
  }
  ADD_FAILURE() << "default_pipeline.yaml and the raw string in "
                   "default_pipeline.cc differ from line "
                << line << "; edit both together";
}

TEST(DefaultPipelineTest, ParsesAndValidates) {
  absl::StatusOr<PipelineConfig> config =
      ParsePipelineYaml(DefaultPipelineYaml());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidatePipeline(*config).ok());
  EXPECT_EQ(config->name(), "default");
  EXPECT_EQ(config->shards(), 0u);
  EXPECT_EQ(config->allowed_lateness_ms(), 5 * 60 * 1000);
  EXPECT_EQ(config->max_batch_events(), 2048u);
}

TEST(DefaultPipelineTest, HasExactlyTheAgreedDetectors) {
  absl::StatusOr<PipelineConfig> config =
      ParsePipelineYaml(DefaultPipelineYaml());
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->detectors_size(), 4);

  const DetectorConfig& burst = config->detectors(0);
  EXPECT_EQ(burst.name(), "velocity_burst");
  EXPECT_EQ(burst.plugin(), "velocity");
  EXPECT_EQ(burst.route(), riskflow::v1::NOTIFY);
  EXPECT_THAT(burst.params(), UnorderedElementsAre(
                                  Pair("max_events", "5"), Pair("window", "1m"),
                                  Pair("types", "PAYMENT,PAYOUT,TRANSFER")));

  const DetectorConfig& extreme = config->detectors(1);
  EXPECT_EQ(extreme.name(), "velocity_extreme");
  EXPECT_EQ(extreme.plugin(), "velocity");
  EXPECT_EQ(extreme.route(), riskflow::v1::FREEZE);
  EXPECT_THAT(
      extreme.params(),
      UnorderedElementsAre(Pair("max_events", "20"), Pair("window", "1m"),
                           Pair("types", "PAYMENT,PAYOUT,TRANSFER")));

  const DetectorConfig& large = config->detectors(2);
  EXPECT_EQ(large.name(), "large_payout");
  EXPECT_EQ(large.plugin(), "large_amount");
  EXPECT_EQ(large.route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(large.params(),
              UnorderedElementsAre(
                  Pair("thresholds", "CNY:10000000,USD:1500000,EUR:1300000"),
                  Pair("types", "PAYOUT")));

  const DetectorConfig& dup = config->detectors(3);
  EXPECT_EQ(dup.name(), "duplicate_payout");
  EXPECT_EQ(dup.plugin(), "duplicate_payout");
  EXPECT_EQ(dup.route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(dup.params(), UnorderedElementsAre(Pair("window", "10m"),
                                                 Pair("types", "PAYOUT")));

  for (const DetectorConfig& d : config->detectors()) {
    EXPECT_EQ(d.on_error(), riskflow::v1::MANUAL_REVIEW) << d.name();
    EXPECT_EQ(d.time_budget_us(), 5000) << d.name();
    EXPECT_EQ(d.quarantine_after(), 1000u) << d.name();
  }
}

}  // namespace
}  // namespace config
}  // namespace riskflow
