// plugins, pipeline and health against a fake Admin service.
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/fake_daemon.h"
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
  max_events->set_min(1);
  max_events->set_max(1000000);
  max_events->set_doc("fires when the window holds more than this");
  auto* ratio = p->add_params();
  ratio->set_name("ratio");
  ratio->set_type("double");
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

AdminOptions Options(const testing::FakeDaemon& daemon) {
  AdminOptions options;
  options.global.target = daemon.target();
  return options;
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
  EXPECT_THAT(text, HasSubstr("flaky (scripted@0.1.0)\n  no parameters\n"));
  EXPECT_EQ(FormatPlugins(riskflow::v1::ListPluginsResponse()),
            "no plugins loaded\n");
}

TEST(RunPluginsTest, TextAndJson) {
  testing::FakeDaemon daemon;
  daemon.admin.plugins = Plugins();
  auto stub = riskflow::v1::Admin::NewStub(daemon.channel());
  AdminOptions options = Options(daemon);
  std::ostringstream out, err;
  EXPECT_EQ(RunPlugins(options, stub.get(), out, err), kExitOk) << err.str();
  EXPECT_EQ(out.str(), FormatPlugins(Plugins()));

  options.format = OutputFormat::kJson;
  std::ostringstream json, json_err;
  EXPECT_EQ(RunPlugins(options, stub.get(), json, json_err), kExitOk);
  EXPECT_THAT(json.str(), HasSubstr("\"plugin_name\": \"velocity\""));
}

TEST(RunPluginsTest, RpcErrorIsASentence) {
  testing::FakeDaemon daemon;
  daemon.admin.status =
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "admin is local only");
  auto stub = riskflow::v1::Admin::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPlugins(Options(daemon), stub.get(), out, err), kExitError);
  EXPECT_EQ(err.str(),
            "riskflow plugins: ListPlugins failed: PERMISSION_DENIED: admin is "
            "local only\n");
}

TEST(RunPipelineTest, ShowsDetectorsWithRoutes) {
  testing::FakeDaemon daemon;
  auto& info = daemon.admin.pipeline;
  info.set_version_hash("9f86d081884c");
  info.set_source("<embedded default>");
  info.mutable_config()->set_name("default");
  auto* d = info.mutable_config()->add_detectors();
  d->set_name("velocity_extreme");
  d->set_plugin("velocity");
  d->set_route(riskflow::v1::FREEZE);
  (*d->mutable_params())["window"] = "1m";
  (*d->mutable_params())["max_events"] = "20";
  auto* hint = info.mutable_config()->add_detectors();
  hint->set_name("custom");
  hint->set_plugin("/tmp/libcustom.so");
  auto stub = riskflow::v1::Admin::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPipeline(Options(daemon), stub.get(), out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("pipeline          default\n"));
  EXPECT_THAT(out.str(), HasSubstr("version           9f86d081884c\n"));
  EXPECT_THAT(out.str(), HasSubstr("shards            one per core\n"));
  EXPECT_THAT(out.str(),
              HasSubstr("velocity_extreme  velocity           FREEZE      "
                        "default   max_events=20 window=1m\n"));
  EXPECT_THAT(out.str(), HasSubstr("route hint"));
}

TEST(RunHealthTest, ServingAndNotServing) {
  testing::FakeDaemon daemon;
  daemon.admin.health.set_serving(true);
  daemon.admin.health.set_durable_sequence(250);
  daemon.admin.health.set_processed_sequence(240);
  daemon.admin.health.set_sink_freeze(5);
  auto stub = riskflow::v1::Admin::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunHealth(Options(daemon), stub.get(), out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("serving             yes\n"));
  EXPECT_THAT(out.str(), HasSubstr("processed sequence  240  (10 behind)\n"));
  EXPECT_THAT(out.str(), HasSubstr("sink FREEZE         5\n"));

  daemon.admin.health.set_serving(false);
  std::ostringstream down, down_err;
  EXPECT_EQ(RunHealth(Options(daemon), stub.get(), down, down_err),
            kExitNotServing);
  EXPECT_THAT(down_err.str(), HasSubstr("is not serving"));
}

}  // namespace
}  // namespace riskflow::cli
