#include "pipeline/config/pipeline_yaml.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace config {
namespace {

using ::riskflow::v1::DetectorConfig;
using ::riskflow::v1::PipelineConfig;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Line 1 is "name: p"; the detector's keys are on lines 4 onwards.
constexpr char kMinimal[] = R"(name: p
detectors:
  - name: d
    plugin: velocity
)";

// Appends `extra` (a detector key at the detector's indentation) to
// kMinimal, so extra's first line is line 5.
std::string WithDetectorKey(absl::string_view extra) {
  return absl::StrCat(kMinimal, "    ", extra, "\n");
}

std::string ErrorOf(std::string_view yaml) {
  absl::StatusOr<PipelineConfig> got = ParsePipelineYaml(yaml);
  if (got.ok()) {
    ADD_FAILURE() << "parsed:\n" << got->DebugString();
    return "";
  }
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(got.status().message());
}

TEST(ParsePipelineYamlTest, AppliesDefaults) {
  absl::StatusOr<PipelineConfig> got = ParsePipelineYaml(kMinimal);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name(), "p");
  EXPECT_EQ(got->shards(), 0u);
  EXPECT_EQ(got->allowed_lateness_ms(), 5 * 60 * 1000);
  EXPECT_EQ(got->max_batch_events(), 2048u);
  ASSERT_EQ(got->detectors_size(), 1);
  const DetectorConfig& d = got->detectors(0);
  EXPECT_EQ(d.route(), riskflow::v1::ROUTE_UNSPECIFIED);
  EXPECT_EQ(d.on_error(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(d.time_budget_us(), 5000);
  EXPECT_EQ(d.quarantine_after(), 1000u);
  EXPECT_EQ(d.freeze_cap_per_minute(), kDefaultFreezeCapPerMinute);
  EXPECT_TRUE(d.params().empty());
}

TEST(ParsePipelineYamlTest, ReadsEveryField) {
  absl::StatusOr<PipelineConfig> got = ParsePipelineYaml(R"(
name: full
shards: 16
allowed_lateness: 30s
max_batch_events: 512
detectors:
  - name: velocity_burst
    plugin: /opt/riskflow/plugins/libvelocity.so
    route: NOTIFY
    on_error: PASS
    time_budget: 2ms
    quarantine_after: 100
    params:
      max_events: 5
      window: 1m
      types: [PAYMENT, PAYOUT]
      quoted: "a: b"
  - name: second
    plugin: large_amount
    time_budget: 500us
    params:
)");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->shards(), 16u);
  EXPECT_EQ(got->allowed_lateness_ms(), 30'000);
  EXPECT_EQ(got->max_batch_events(), 512u);
  ASSERT_EQ(got->detectors_size(), 2);
  const DetectorConfig& d = got->detectors(0);
  EXPECT_EQ(d.name(), "velocity_burst");
  EXPECT_EQ(d.plugin(), "/opt/riskflow/plugins/libvelocity.so");
  EXPECT_EQ(d.route(), riskflow::v1::NOTIFY);
  EXPECT_EQ(d.on_error(), riskflow::v1::PASS);
  EXPECT_EQ(d.time_budget_us(), 2000);
  EXPECT_EQ(d.quarantine_after(), 100u);
  EXPECT_EQ(d.params().at("max_events"), "5");
  EXPECT_EQ(d.params().at("window"), "1m");
  EXPECT_EQ(d.params().at("types"), "PAYMENT,PAYOUT");
  EXPECT_EQ(d.params().at("quoted"), "a: b");
  EXPECT_EQ(got->detectors(1).time_budget_us(), 500);
  EXPECT_TRUE(got->detectors(1).params().empty());
}

TEST(ParsePipelineYamlTest, BlockListParamIsCommaJoined) {
  absl::StatusOr<PipelineConfig> got = ParsePipelineYaml(
      WithDetectorKey("params:\n      types:\n        - PAYMENT\n"
                      "        - PAYOUT"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->detectors(0).params().at("types"), "PAYMENT,PAYOUT");
}

TEST(ParsePipelineYamlTest, UnknownRoute) {
  EXPECT_EQ(ErrorOf(WithDetectorKey("route: FREZE")),
            "detectors[0].route: unknown route 'FREZE' (expected PASS, "
            "NOTIFY, MANUAL_REVIEW or FREEZE) at line 5, column 12");
  EXPECT_EQ(ErrorOf(WithDetectorKey("on_error: freeze")),
            "detectors[0].on_error: unknown route 'freeze' (expected PASS, "
            "NOTIFY, MANUAL_REVIEW or FREEZE) at line 5, column 15");
}

TEST(ParsePipelineYamlTest, RouteInSecondDetectorNamesItsIndex) {
  std::string yaml = absl::StrCat(kMinimal,
                                  "  - name: e\n"
                                  "    plugin: velocity\n"
                                  "    route: FREZE\n");
  EXPECT_THAT(ErrorOf(yaml),
              StartsWith("detectors[1].route: unknown route 'FREZE'"));
  EXPECT_THAT(ErrorOf(yaml), HasSubstr("at line 7, column 12"));
}

TEST(ParsePipelineYamlTest, InvalidDurations) {
  EXPECT_EQ(ErrorOf(WithDetectorKey("time_budget: 5 parsecs")),
            "detectors[0].time_budget: invalid duration '5 parsecs' at line "
            "5, column 18");
  EXPECT_EQ(ErrorOf(WithDetectorKey("time_budget: 0ms")),
            "detectors[0].time_budget: must be greater than zero at line 5, "
            "column 18");
  EXPECT_EQ(ErrorOf(absl::StrCat("allowed_lateness: soon\n", kMinimal)),
            "allowed_lateness: invalid duration 'soon' at line 1, column 19");
  EXPECT_EQ(ErrorOf(absl::StrCat("allowed_lateness: -5m\n", kMinimal)),
            "allowed_lateness: invalid duration '-5m' at line 1, column 19");
}

TEST(ParsePipelineYamlTest, BadIntegers) {
  EXPECT_EQ(ErrorOf(absl::StrCat("shards: many\n", kMinimal)),
            "shards: expected a non-negative integer, got 'many' at line 1, "
            "column 9");
  EXPECT_EQ(ErrorOf(absl::StrCat("shards: -1\n", kMinimal)),
            "shards: expected a non-negative integer, got '-1' at line 1, "
            "column 9");
  EXPECT_EQ(ErrorOf(absl::StrCat("max_batch_events: 0x10\n", kMinimal)),
            "max_batch_events: expected a non-negative integer, got '0x10' "
            "at line 1, column 19");
  EXPECT_EQ(ErrorOf(absl::StrCat("shards: 99999999999\n", kMinimal)),
            "shards: expected a non-negative integer, got '99999999999' at "
            "line 1, column 9");
  EXPECT_EQ(ErrorOf(WithDetectorKey("quarantine_after: 0")),
            "detectors[0].quarantine_after: must be at least 1 at line 5, "
            "column 23");
  EXPECT_EQ(ErrorOf(WithDetectorKey("freeze_cap_per_minute: 2000000")),
            "detectors[0].freeze_cap_per_minute: must be at most 1000000 (0 "
            "means unlimited) at line 5, column 28");
  EXPECT_EQ(ErrorOf(WithDetectorKey("freeze_cap_per_minute: -1")),
            "detectors[0].freeze_cap_per_minute: expected a non-negative "
            "integer, got '-1' at line 5, column 28");
}

TEST(ParsePipelineYamlTest, FreezeCapZeroMeansUnlimited) {
  absl::StatusOr<PipelineConfig> got =
      ParsePipelineYaml(WithDetectorKey("freeze_cap_per_minute: 0"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->detectors(0).has_freeze_cap_per_minute());
  EXPECT_EQ(got->detectors(0).freeze_cap_per_minute(), 0u);
}

TEST(ParsePipelineYamlTest, ValidationErrorsCarryTheLine) {
  EXPECT_EQ(ErrorOf(absl::StrCat("shards: 300\n", kMinimal)),
            "shards: 300 exceeds the maximum of 256 at line 1, column 9");
  EXPECT_EQ(ErrorOf(absl::StrCat("max_batch_events: 70000\n", kMinimal)),
            "max_batch_events: must be between 1 and 65536, got 70000 at "
            "line 1, column 19");
  EXPECT_EQ(ErrorOf("name: p\ndetectors: []\n"),
            "detectors: at least one detector is required at line 2, column "
            "12");
}

TEST(ParsePipelineYamlTest, DuplicateDetectorNames) {
  std::string yaml = absl::StrCat(kMinimal,
                                  "  - name: d\n"
                                  "    plugin: large_amount\n");
  EXPECT_EQ(ErrorOf(yaml),
            "detectors[1].name: duplicate detector name 'd' (also "
            "detectors[0]) at line 5, column 11");
}

TEST(ParsePipelineYamlTest, InvalidDetectorName) {
  EXPECT_EQ(ErrorOf("name: p\ndetectors:\n  - name: Velocity Burst\n"
                    "    plugin: velocity\n"),
            "detectors[0].name: invalid name 'Velocity Burst' (use lowercase "
            "letters, digits and '_') at line 3, column 11");
}

TEST(ParsePipelineYamlTest, AccountHoldsIsABooleanDefaultOn) {
  absl::StatusOr<riskflow::v1::PipelineConfig> absent =
      ParsePipelineYaml(kMinimal);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_TRUE(absent->account_holds());
  absl::StatusOr<riskflow::v1::PipelineConfig> on =
      ParsePipelineYaml(absl::StrCat("account_holds: true\n", kMinimal));
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_TRUE(on->account_holds());
  absl::StatusOr<riskflow::v1::PipelineConfig> off =
      ParsePipelineYaml(absl::StrCat("account_holds: false\n", kMinimal));
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->account_holds());
  EXPECT_EQ(ErrorOf(absl::StrCat("account_holds: yes\n", kMinimal)),
            "account_holds: expected true or false, got 'yes' at line 1, "
            "column 16");
}

TEST(ParsePipelineYamlTest, UnknownKeys) {
  EXPECT_EQ(ErrorOf(absl::StrCat("shard: 4\n", kMinimal)),
            "shard: unknown key (expected name, shards, allowed_lateness, "
            "max_batch_events, detectors, plugin_sha256_allowlist, "
            "account_holds) at line 1, column 1");
  EXPECT_EQ(ErrorOf(WithDetectorKey("rout: FREEZE")),
            "detectors[0].rout: unknown key (expected name, plugin, route, "
            "on_error, time_budget, quarantine_after, params, "
            "freeze_cap_per_minute) at line 5, column 5");
}

TEST(ParsePipelineYamlTest, DuplicateKeys) {
  EXPECT_EQ(ErrorOf(WithDetectorKey("plugin: other")),
            "detectors[0].plugin: duplicate key at line 5, column 5");
  EXPECT_EQ(ErrorOf(WithDetectorKey("params: {a: 1, a: 2}")),
            "detectors[0].params.a: duplicate key at line 5, column 20");
}

TEST(ParsePipelineYamlTest, MissingRequiredKeys) {
  EXPECT_EQ(ErrorOf("name: p\ndetectors:\n  - plugin: velocity\n"),
            "detectors[0].name: required key is missing at line 3, column 5");
  EXPECT_EQ(ErrorOf("name: p\ndetectors:\n  - name: d\n"),
            "detectors[0].plugin: required key is missing at line 3, column 5");
  EXPECT_EQ(ErrorOf("detectors:\n  - name: d\n    plugin: v\n"),
            "name: required key is missing at line 1, column 1");
  EXPECT_EQ(ErrorOf("name: p\n"),
            "detectors: required key is missing at line 1, column 1");
}

TEST(ParsePipelineYamlTest, WrongNodeKinds) {
  EXPECT_EQ(ErrorOf("name: p\ndetectors: velocity\n"),
            "detectors: expected a list, got a scalar at line 2, column 12");
  EXPECT_EQ(ErrorOf("name: p\ndetectors:\n  - velocity\n"),
            "detectors[0]: expected a map, got a scalar at line 3, column 5");
  EXPECT_EQ(ErrorOf(WithDetectorKey("route:")),
            "detectors[0].route: missing value at line 5, column 5");
  EXPECT_EQ(ErrorOf(WithDetectorKey("params: [a, b]")),
            "detectors[0].params: expected a map, got a list at line 5, "
            "column 13");
  EXPECT_EQ(ErrorOf(WithDetectorKey("params: {window: {size: 1m}}")),
            "detectors[0].params.window: expected a scalar, got a map at "
            "line 5, column 22");
  EXPECT_EQ(ErrorOf(WithDetectorKey("params: {types: [PAYMENT, [x]]}")),
            "detectors[0].params.types[1]: expected a scalar, got a list at "
            "line 5, column 31");
  EXPECT_EQ(ErrorOf("- name: p\n"),
            "(document): expected a map, got a list at line 1, column 1");
}

TEST(ParsePipelineYamlTest, ListItemWithCommaIsRejected) {
  EXPECT_EQ(ErrorOf(WithDetectorKey("params: {types: [PAYMENT, \"A,B\"]}")),
            "detectors[0].params.types[1]: list item 'A,B' must not contain "
            "a comma at line 5, column 31");
}

TEST(ParsePipelineYamlTest, SyntaxErrorsAndDocuments) {
  EXPECT_THAT(ErrorOf("name: [p\n"), StartsWith("(document): invalid YAML: "));
  EXPECT_THAT(ErrorOf("name: [p\n"), HasSubstr(" at line "));
  EXPECT_EQ(ErrorOf(""), "(document): the pipeline is empty");
  EXPECT_EQ(ErrorOf("# only a comment\n"), "(document): the pipeline is empty");
  EXPECT_THAT(ErrorOf(absl::StrCat(kMinimal, "---\n", kMinimal)),
              StartsWith("(document): expected one YAML document, found 2"));
}

TEST(LoadPipelineFileTest, ReadsFileAndNamesItInErrors) {
  const std::string dir =
      std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  const std::string good = dir + "/good.yaml";
  const std::string bad = dir + "/bad.yaml";
  std::ofstream(good) << kMinimal;
  std::ofstream(bad) << "shards: many\n" << kMinimal;

  absl::StatusOr<PipelineConfig> got = LoadPipelineFile(good);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->detectors(0).name(), "d");

  got = LoadPipelineFile(bad);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            bad +
                ": shards: expected a non-negative integer, got 'many' at "
                "line 1, column 9");

  got = LoadPipelineFile(dir + "/missing.yaml");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(got.status().message()),
              StartsWith(dir + "/missing.yaml: "));
}

// Found by //fuzz:pipeline_yaml_fuzzer: yaml-cpp's LoadAll never returned
// on these (it appended empty documents until memory ran out).
TEST(ParsePipelineYamlTest, StrayFlowEntryIsAnErrorNotAHang) {
  EXPECT_EQ(ErrorOf(","),
            "(document): invalid YAML: unexpected ',' outside a flow "
            "collection at line 1, column 1");
  EXPECT_THAT(ErrorOf(", a"), StartsWith("(document): invalid YAML"));
  EXPECT_THAT(ErrorOf("# comment\n,\n"), StartsWith("(document): invalid YAML"));
}

// --- plugin trust (docs/plugin-loading.md) ---
TEST(ParsePipelineYamlTest, PluginAllowlistIsLowercasedAndChecked) {
  const std::string upper(64, 'A');
  const std::string yaml = "name: p\n"
                           "plugin_sha256_allowlist:\n"
                           "  - " + upper + "\n"
                           "  - " + std::string(64, '0') + "\n"
                           "detectors:\n"
                           "  - name: d\n"
                           "    plugin: velocity\n";
  auto got = ParsePipelineYaml(yaml);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->plugin_sha256_allowlist_size(), 2);
  EXPECT_EQ(got->plugin_sha256_allowlist(0), std::string(64, 'a'));
  EXPECT_EQ(got->plugin_sha256_allowlist(1), std::string(64, '0'));

  EXPECT_EQ(ErrorOf("name: p\n"
                    "plugin_sha256_allowlist:\n"
                    "  - " + std::string(64, '0') + "\n"
                    "  - abc123\n"
                    "detectors:\n"
                    "  - name: d\n"
                    "    plugin: velocity\n"),
            "plugin_sha256_allowlist[1]: expected a SHA-256 as 64 hex "
            "digits, got 'abc123' at line 4, column 5");
  EXPECT_EQ(ErrorOf("name: p\n"
                    "plugin_sha256_allowlist: " + std::string(64, '0') + "\n"
                    "detectors:\n"
                    "  - name: d\n"
                    "    plugin: velocity\n"),
            "plugin_sha256_allowlist: expected a list of SHA-256 hashes, got "
            "a scalar at line 2, column 26");
  EXPECT_EQ(ErrorOf("name: p\n"
                    "plugin_sha256_allowlist:\n"
                    "  - [x]\n"
                    "detectors:\n"
                    "  - name: d\n"
                    "    plugin: velocity\n"),
            "plugin_sha256_allowlist[0]: expected a scalar, got a list at "
            "line 3, column 5");
}

}  // namespace
}  // namespace config
}  // namespace riskflow
