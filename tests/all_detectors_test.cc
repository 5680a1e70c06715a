// The all-detectors pipeline (pipeline/config/all_detectors.yaml) loads
// every built-in plugin in a real daemon and decides the sample stream: the
// default pipeline's findings are still there, and nothing else is lost.
#include <string>

#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/runfiles.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

TEST(AllDetectorsTest, LoadsEveryPluginAndDecides) {
  TestDaemonOptions options;
  options.pipeline_yaml = ReadRunfile("pipeline/config/all_detectors.yaml");
  ASSERT_FALSE(options.pipeline_yaml.empty());
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;
  auto plugins = d.Plugins();
  ASSERT_TRUE(plugins.ok());
  EXPECT_EQ(plugins->plugins_size(), 13);

  // A 150,000 CNY payout: large_payout as in the default pipeline.
  riskflow::v1::EvaluateResponse r;
  ASSERT_TRUE(
      d.Evaluate(Payout("big", "acct-1", "cp", 15000000, "CNY", kT0), &r).ok());
  EXPECT_EQ(r.decision().route(), riskflow::v1::MANUAL_REVIEW);
  bool large = false;
  for (const auto& a : r.decision().annotations()) {
    large = large || a.reason_code() == "LARGE_AMOUNT";
  }
  EXPECT_TRUE(large);
}

}  // namespace
}  // namespace riskflow::e2e
