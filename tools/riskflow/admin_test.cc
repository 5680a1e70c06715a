// plugins, pipeline and health against the real daemon.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/publish.h"
#include "tools/riskflow/test_daemon.h"
#include "tools/riskflow/health.h"
#include "tools/riskflow/pipeline.h"
#include "tools/riskflow/plugins.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;

riskflow::v1::ListPluginsResponse Plugins() {
  riskflow::v1::ListPluginsResponse response;
  auto* p = response.add_plugins();
  p->set_detector("velocity_burst");
  p->set_plugin_name("velocity");
  p->set_plugin_version("1.2.0");
  p->set_description("Counts events per account in a sliding window.");
  p->set_path("/opt/riskflow/plugins/libvelocity.so");
  p->set_build_id("0123456789abcdef0123");
  p->set_abi_major(1);
  p->set_abi_minor(0);
  auto* max_events = p->add_params();
  max_events->set_name("max_events");
  max_events->set_type("int");
  max_events->set_default_value("10");
  max_events->set_has_range(true);
  max_events->set_min(1);
  max_events->set_max(1000000);
  max_events->set_doc("fires when the window holds more than this");
  auto* ratio = p->add_params();
  ratio->set_name("ratio");
  ratio->set_type("double");
  ratio->set_has_range(true);
  ratio->set_min(0.5);
  ratio->set_max(2);
  auto* types = p->add_params();
  types->set_name("types");
  types->set_type("string");
  types->set_required(true);
  types->set_doc("event types counted");
  (*p->mutable_values())["max_events"] = "5";
  (*p->mutable_values())["types"] = "PAYMENT,PAYOUT,TRANSFER";
  auto* q = response.add_plugins();
  q->set_detector("flaky");
  q->set_plugin_name("scripted");
  q->set_plugin_version("0.1.0");
  q->set_faults(7);
  q->set_quarantined(true);
  return response;
}

// The section FormatPlugins prints for `detector`, split into lines.
std::vector<std::string> Section(const std::string& text,
                                 const std::string& detector) {
  size_t start = text.find("\n" + detector + " (");
  if (start == std::string::npos) return {};
  size_t end = text.find("\n\n", start + 1);
  std::string section = text.substr(
      start + 1, end == std::string::npos ? std::string::npos : end - start);
  return absl::StrSplit(section, '\n', absl::SkipEmpty());
}

// The first five columns (PARAM TYPE VALUE DEFAULT RANGE) of `param`'s row.
std::vector<std::string> ParamRow(const std::vector<std::string>& section,
                                  const std::string& param) {
  for (const std::string& line : section) {
    if (line.rfind("  " + param + " ", 0) != 0) continue;
    std::vector<std::string> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    words.resize(5);
    return words;
  }
  return {};
}

TEST(FormatPluginsTest, TableThenParameters) {
  std::string text = FormatPlugins(Plugins());
  EXPECT_THAT(text, HasSubstr("DETECTOR        PLUGIN"));
  EXPECT_THAT(text, HasSubstr("velocity@1.2.0"));
  EXPECT_THAT(text, HasSubstr("0123456789ab "));  // short build id
  EXPECT_EQ(text.find("0123456789abc"), std::string::npos);
  EXPECT_THAT(text, HasSubstr("/opt/riskflow/plugins/libvelocity.so"));
  EXPECT_THAT(text, HasSubstr("QUARANTINED (7 faults)"));
  EXPECT_THAT(text, HasSubstr("  max_events  int     5"));
  EXPECT_THAT(text, HasSubstr("10          1..1000000"));
  EXPECT_THAT(text, HasSubstr("(required)"));
  EXPECT_THAT(text, HasSubstr("0.5..2"));
  // No range: "-", not "0..0".
  EXPECT_EQ(ParamRow(Section(text, "velocity_burst"), "types"),
            (std::vector<std::string>{"types", "string",
                                      "PAYMENT,PAYOUT,TRANSFER", "(required)",
                                      "-"}));
  EXPECT_EQ(text.find("0..0"), std::string::npos);
  EXPECT_THAT(text, HasSubstr("flaky (scripted@0.1.0)\n  no parameters\n"));
  EXPECT_EQ(FormatPlugins(riskflow::v1::ListPluginsResponse()),
            "no plugins loaded\n");
}

TEST(FormatHealthTest, NotServingAndLag) {
  riskflow::v1::Health h;
  h.set_durable_sequence(250);
  h.set_processed_sequence(240);
  h.set_sink_freeze(5);
  std::string text = FormatHealth(h);
  EXPECT_THAT(text, HasSubstr("serving             NO\n"));
  EXPECT_THAT(text, HasSubstr("processed sequence  240  (10 behind)\n"));
  EXPECT_THAT(text, HasSubstr("sink FREEZE         5\n"));
  EXPECT_THAT(text, HasSubstr("FREEZE cap hits     0\n"));
  EXPECT_EQ(text.find("WARNING"), std::string::npos);
}

TEST(FormatHealthTest, FreezeCapWarning) {
  riskflow::v1::Health h;
  h.set_freeze_cap_hits(12);
  h.set_freeze_cap_warning("FREEZE cap hit: vel 12x (cap 50/min)");
  std::string text = FormatHealth(h);
  EXPECT_THAT(text, HasSubstr("FREEZE cap hits     12\n"));
  EXPECT_THAT(text,
              HasSubstr("WARNING             FREEZE cap hit: vel 12x (cap "
                        "50/min)\n"));
}

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override { StartDaemon({}); }

  void StartDaemon(testing::TestDaemonOptions options) {
    daemon_.reset();
    auto daemon = testing::TestDaemon::Start(options);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  AdminOptions Options(OutputFormat format = OutputFormat::kText) {
    AdminOptions options;
    options.global.target = daemon_->target();
    options.format = format;
    return options;
  }

  riskflow::v1::Admin::Stub* stub() { return daemon_->admin(); }

  riskflow::v1::PipelineInfo GetPipeline() {
    grpc::ClientContext context;
    riskflow::v1::PipelineInfo info;
    grpc::Status s =
        stub()->GetPipeline(&context, riskflow::v1::GetPipelineRequest(), &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return info;
  }

  riskflow::v1::ListPluginsResponse ListPlugins() {
    grpc::ClientContext context;
    riskflow::v1::ListPluginsResponse plugins;
    grpc::Status s = stub()->ListPlugins(
        &context, riskflow::v1::ListPluginsRequest(), &plugins);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return plugins;
  }

  std::unique_ptr<testing::TestDaemon> daemon_;
};

TEST_F(AdminTest, PluginsListsTheFourDetectorsWithParameterRanges) {
  std::ostringstream out, err;
  ASSERT_EQ(RunPlugins(Options(), stub(), out, err), kExitOk) << err.str();
  EXPECT_EQ(err.str(), "");
  const std::string text = out.str();
  // What the daemon reports, printed as the formatter prints it.
  EXPECT_EQ(text, FormatPlugins(ListPlugins()));

  // The summary table: one row per detector, in pipeline order.
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  ASSERT_GE(lines.size(), 5u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("DETECTOR "));
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"velocity_burst", "velocity@1.2.0"},
      {"velocity_extreme", "velocity@1.2.0"},
      {"large_payout", "large_amount@1.1.0"},
      {"duplicate_payout", "duplicate_payout@1.1.1"}};
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].first);
    std::vector<std::string> words =
        absl::StrSplit(lines[i + 1], ' ', absl::SkipEmpty());
    ASSERT_EQ(words.size(), 6u) << lines[i + 1];
    EXPECT_EQ(words[0], rows[i].first);
    EXPECT_EQ(words[1], rows[i].second);
    EXPECT_THAT(words[2], ::testing::MatchesRegex("[0-9a-f]{12}"));
    // ABI 1.3: entity hints; 1.2 FILE parameters (docs/plugin-guide.md);
    // 1.1 added partition_by (docs/keyed-stages.md).
    EXPECT_EQ(words[3], "1.3");
    EXPECT_EQ(words[4], "ok");
    EXPECT_THAT(words[5], ::testing::EndsWith(".so"));
  }

  // Parameters: the effective value (normalised by the plugin host:
  // durations in ms, defaults filled in), the declared default and range.
  using Row = std::vector<std::string>;
  for (const char* velocity : {"velocity_burst", "velocity_extreme"}) {
    SCOPED_TRACE(velocity);
    auto section = Section(text, velocity);
    ASSERT_FALSE(section.empty()) << text;
    const std::string max =
        std::string(velocity) == "velocity_burst" ? "5" : "20";
    EXPECT_EQ(ParamRow(section, "max_events"),
              (Row{"max_events", "INT", max, "10", "1..1000000000"}));
    EXPECT_EQ(ParamRow(section, "window"),
              (Row{"window", "DURATION", "60000ms", "1m", "1000..2592000000"}));
    EXPECT_EQ(ParamRow(section, "bucket"),
              (Row{"bucket", "DURATION", "1000ms", "1s", "1..2592000000"}));
    EXPECT_EQ(ParamRow(section, "types"),
              (Row{"types", "LIST", "PAYMENT,PAYOUT,TRANSFER",
                   "PAYMENT,PAYOUT,TRANSFER", "-"}));
  }
  auto large = Section(text, "large_payout");
  EXPECT_EQ(ParamRow(large, "thresholds"),
            (Row{"thresholds", "LIST", "CNY:10000000,USD:1500000,EUR:1300000",
                 "(required)", "-"}));
  EXPECT_EQ(ParamRow(large, "types"),
            (Row{"types", "LIST", "PAYOUT", "PAYOUT", "-"}));
  auto dup = Section(text, "duplicate_payout");
  EXPECT_EQ(ParamRow(dup, "window"),
            (Row{"window", "DURATION", "600000ms", "10m", "1000..2592000000"}));
  EXPECT_EQ(ParamRow(dup, "types"),
            (Row{"types", "LIST", "PAYOUT", "PAYOUT", "-"}));
}

TEST_F(AdminTest, PluginsAsJson) {
  std::ostringstream out, err;
  ASSERT_EQ(RunPlugins(Options(OutputFormat::kJson), stub(), out, err),
            kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("\"plugin_name\": \"velocity\""));
  EXPECT_THAT(out.str(), HasSubstr("\"detector\": \"duplicate_payout\""));
  EXPECT_THAT(out.str(), HasSubstr("\"has_range\": true"));
}

TEST_F(AdminTest, TransportOnlyDaemonHasNoPlugins) {
  testing::TestDaemonOptions transport;
  transport.transport_only = true;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(transport));
  std::ostringstream out, err;
  EXPECT_EQ(RunPlugins(Options(), stub(), out, err), kExitOk) << err.str();
  EXPECT_EQ(out.str(), "no plugins loaded\n");
}

TEST_F(AdminTest, PipelineShowsTheVersionHashOfGetPipeline) {
  const riskflow::v1::PipelineInfo info = GetPipeline();
  ASSERT_THAT(info.version_hash(), ::testing::MatchesRegex("[0-9a-f]{64}"));
  std::ostringstream out, err;
  ASSERT_EQ(RunPipeline(Options(), stub(), out, err), kExitOk) << err.str();
  EXPECT_EQ(err.str(), "");
  EXPECT_THAT(out.str(),
              ::testing::StartsWith("pipeline          default\n"
                                    "version           " +
                                    info.version_hash() +
                                    "\n"
                                    "source            <embedded default>\n"
                                    "shards            one per core\n"
                                    "allowed lateness  300000 ms\n"
                                    "max batch         2048 events\n"));
  EXPECT_THAT(out.str(),
              HasSubstr("velocity_burst    velocity          NOTIFY         "));
  EXPECT_THAT(out.str(), HasSubstr("max_events=5 types=PAYMENT,PAYOUT,TRANSFER "
                                   "window=1m\n"));
  EXPECT_THAT(out.str(), HasSubstr("max_events=20 types=PAYMENT,PAYOUT,"
                                   "TRANSFER window=1m\n"));
  EXPECT_THAT(out.str(), HasSubstr("large_payout      large_amount      "
                                   "MANUAL_REVIEW  "));
  EXPECT_THAT(out.str(), HasSubstr("thresholds=CNY:10000000,USD:1500000,"
                                   "EUR:1300000 types=PAYOUT\n"));
  EXPECT_THAT(out.str(), HasSubstr("window=10m\n"));

  std::ostringstream json, json_err;
  ASSERT_EQ(RunPipeline(Options(OutputFormat::kJson), stub(), json, json_err),
            kExitOk);
  EXPECT_THAT(json.str(),
              HasSubstr("\"version_hash\": \"" + info.version_hash() + "\""));
}

TEST_F(AdminTest, PipelineOfATransportOnlyDaemonIsAnErrorSentence) {
  testing::TestDaemonOptions transport;
  transport.transport_only = true;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(transport));
  std::ostringstream out, err;
  EXPECT_EQ(RunPipeline(Options(), stub(), out, err), kExitError);
  EXPECT_EQ(err.str(),
            "riskflow pipeline: GetPipeline failed: FAILED_PRECONDITION: "
            "riskflowd runs in transport-only mode: no pipeline is loaded\n");
  EXPECT_EQ(out.str(), "");
}

TEST_F(AdminTest, HealthOfAFreshDaemonThenAfterTheSample) {
  std::ostringstream out, err;
  ASSERT_EQ(RunHealth(Options(), stub(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), ::testing::StartsWith(
                             "serving             yes\n"
                             "durable sequence    0\n"
                             "processed sequence  0  (0 behind)\n"
                             "shards              "));
  EXPECT_THAT(out.str(), HasSubstr("sink FREEZE         0\n"));

  PublishOptions publish;
  publish.file = testing::kSampleEvents;
  publish.global.target = daemon_->target();
  std::ostringstream pub_out, pub_err;
  ASSERT_EQ(RunPublish(publish, daemon_->ingest(), pub_out, pub_err), kExitOk)
      << pub_err.str();
  ASSERT_TRUE(daemon_->WaitProcessed().ok());

  std::ostringstream after, after_err;
  ASSERT_EQ(RunHealth(Options(), stub(), after, after_err), kExitOk);
  EXPECT_THAT(after.str(),
              HasSubstr("serving             yes\n"
                        "durable sequence    231\n"
                        "processed sequence  231  (0 behind)\n"));
  EXPECT_THAT(after.str(), HasSubstr("events processed    231\n"
                                     "events rejected     0\n"
                                     "sink FREEZE         5\n"
                                     "sink MANUAL_REVIEW  2\n"
                                     "sink NOTIFY         19\n"));

  std::ostringstream json, json_err;
  ASSERT_EQ(RunHealth(Options(OutputFormat::kJson), stub(), json, json_err),
            kExitOk);
  EXPECT_THAT(json.str(), HasSubstr("\"serving\": true"));
  // 19, not 23: acct-0042 is held after its first FREEZE, so its last
  // four transfers are FREEZE (ACCOUNT_HELD) only (tools/sample/README.md).
  EXPECT_THAT(json.str(), HasSubstr("\"sink_notify\": \"19\""));
}

TEST_F(AdminTest, CommandsThroughTheCommandLine) {
  for (const char* command : {"plugins", "pipeline", "health"}) {
    SCOPED_TRACE(command);
    std::ostringstream out, err;
    EXPECT_EQ(RunCli({command, "--target", daemon_->target()}, out, err),
              kExitOk)
        << err.str();
    EXPECT_FALSE(out.str().empty());
    EXPECT_EQ(err.str(), "");
  }
}

}  // namespace
}  // namespace riskflow::cli
