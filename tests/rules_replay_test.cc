// Scripted rules in replay: the example rules pipeline
// (examples/rules/rules_pipeline.yaml: account- and device-keyed rule
// detectors, shadow / canary / live rules) decides a generated stream to
// byte-identical output with 1, 2 and 4 shards; its rules fire; the shadow
// findings are what `riskflow rules report` counts; and a rule's mode is
// part of the pipeline version hash (its text is in the canonical config).
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pipeline/config/hashing.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/replayer.h"
#include "tests/events.h"
#include "tests/runfiles.h"
#include "tests/temp_dir.h"
#include "tools/riskflow/rules_edit.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;

// Payout bursts, large CNY/USD payouts, fan-out to many payees, devices
// shared by several accounts, logins; 120 accounts over ~10 hours.
std::vector<v1::Event> Stream() {
  std::mt19937_64 rng(1103);
  std::vector<v1::Event> out;
  int64_t t = kT0;
  int id = 0;
  auto next = [&] { return absl::StrCat("r-", id++); };
  while (out.size() < 4000) {
    t += 1000 + static_cast<int64_t>(rng() % 20000);
    const std::string acct = absl::StrCat("acct-", rng() % 120);
    const int kind = static_cast<int>(rng() % 100);
    v1::Event e;
    if (kind < 40) {
      e = Payment(next(), acct, "merch", 1000 + rng() % 50000, "CNY", t);
    } else if (kind < 60) {
      e = Payout(next(), acct, absl::StrCat("bene-", rng() % 30),
                 100000 + rng() % 9000000, rng() % 3 ? "CNY" : "USD", t);
    } else if (kind < 70) {
      // A burst of big payouts.
      for (int i = 0; i < 6; ++i) {
        out.push_back(Payout(next(), acct, "bene-b", 6000000 + i, "CNY",
                             t + i * 1000));
      }
      continue;
    } else if (kind < 78) {
      // Fan-out: transfers to many payees.
      for (int i = 0; i < 9; ++i) {
        out.push_back(Transfer(next(), acct, absl::StrCat("fan-", i), 5000,
                               "CNY", t + i * 500));
      }
      continue;
    } else {
      e = Login(next(), acct, t);
    }
    // A few devices shared by many accounts.
    e.set_device_id(absl::StrCat("dev-", rng() % (kind < 90 ? 8 : 400)));
    out.push_back(e);
  }
  return out;
}

TEST(RulesReplayTest, SameOutputWhateverTheShardCount) {
  const std::string dir = MakeTempDir("rules-replay");
  ASSERT_FALSE(dir.empty());
  const std::string input = dir + "/stream.jsonl";
  {
    std::ofstream out(input);
    for (const v1::Event& e : Stream()) {
      std::string line;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(e, &line).ok());
      out << line << "\n";
    }
  }
  const std::string yaml = ReadRunfile("examples/rules/rules_pipeline.yaml");
  ASSERT_FALSE(yaml.empty());
  auto config = config::ParsePipelineYaml(yaml);
  ASSERT_TRUE(config.ok()) << config.status();

  std::string first;
  replay::ReplaySummary summary;
  for (uint32_t shards : {1u, 2u, 4u}) {
    replay::ReplayOptions o;
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.input.path = input;
    o.out = absl::StrCat(dir, "/out-", shards, ".jsonl");
    o.shards = shards;
    o.batch_size = 500;
    absl::StatusOr<replay::ReplaySummary> s = replay::Replayer::Run(o);
    ASSERT_TRUE(s.ok()) << s.status();
    if (first.empty()) {
      first = s->output_sha256;
      summary = *s;
    }
    EXPECT_EQ(s->output_sha256, first) << shards << " shards";
  }
  // The rules decide something, or equal hashes prove little.
  EXPECT_GT(summary.detector_hits["payout_rules"], 20u);
  EXPECT_GT(summary.detector_hits["device_rules"], 20u);
  EXPECT_GT(summary.routes["MANUAL_REVIEW"], 0u);

  // The shadow rule's findings, as `riskflow rules report` shows them.
  const std::string section =
      cli::ShadowRulesSection(absl::StrCat(dir, "/out-1.jsonl"), 3);
  EXPECT_NE(section.find("payout_rules/big_payout_burst"), std::string::npos)
      << section;
  EXPECT_NE(section.find("FREEZE"), std::string::npos) << section;
  // The canary rule's accounts outside the canary are shadow findings too.
  EXPECT_NE(section.find("payout_rules/fan_out"), std::string::npos)
      << section;
}

TEST(RulesReplayTest, ModeIsPartOfThePipelineVersion) {
  const std::string yaml = ReadRunfile("examples/rules/rules_pipeline.yaml");
  auto a = config::ParsePipelineYaml(yaml);
  auto b = config::ParsePipelineYaml(absl::StrReplaceAll(
      yaml, {{"          mode: shadow", "          mode: live"}}));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(config::Sha256Hex(config::CanonicalConfigBytes(*a)),
            config::Sha256Hex(config::CanonicalConfigBytes(*b)));
}

}  // namespace
}  // namespace riskflow::e2e
