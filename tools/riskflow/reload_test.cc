// `riskflow reload` against the real daemon: a switch, a dry run, an
// unchanged version and refusals that name what is wrong.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/publish.h"
#include "tools/riskflow/reload.h"
#include "tools/riskflow/test_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string DefaultYaml() { return std::string(config::DefaultPipelineYaml()); }

// The default pipeline with velocity_burst's limit changed.
std::string WithBurstLimit(int max_events) {
  return absl::StrReplaceAll(
      DefaultYaml(), {{"      max_events: 5\n",
                       absl::StrCat("      max_events: ", max_events, "\n")}});
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto daemon = testing::TestDaemon::Start();
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  // `riskflow reload ARGS... --target <the daemon>`, as typed.
  Result Reload(std::vector<std::string> args) {
    args.insert(args.begin(), "reload");
    args.push_back("--target=" + daemon_->target());
    Result r;
    std::ostringstream out, err;
    r.code = RunCli(args, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  riskflow::v1::PipelineInfo Pipeline() {
    grpc::ClientContext context;
    riskflow::v1::PipelineInfo info;
    grpc::Status s = daemon_->admin()->GetPipeline(
        &context, riskflow::v1::GetPipelineRequest(), &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return info;
  }

  // Publishes three payments and waits until they are decided.
  void PublishThree() {
    std::string jsonl;
    for (int i = 0; i < 3; ++i) {
      absl::StrAppend(&jsonl, "{\"event_id\":\"r", i,
                      "\",\"channel_id\":\"cli\",\"type\":\"PAYMENT\","
                      "\"event_time_ms\":",
                      1700000000000 + i,
                      ",\"account_id\":\"a\",\"counterparty\":\"m\","
                      "\"amount_minor\":100,\"currency\":\"CNY\"}\n");
    }
    PublishOptions publish;
    publish.global.target = daemon_->target();
    publish.file = testing::WriteTempFile("three.jsonl", jsonl);
    std::ostringstream out, err;
    ASSERT_EQ(RunPublish(publish, daemon_->ingest(), out, err), kExitOk)
        << err.str();
    ASSERT_TRUE(daemon_->WaitProcessed().ok());
  }

  std::unique_ptr<testing::TestDaemon> daemon_;
};

TEST_F(ReloadTest, ValidFileTakesOverAfterTheDecidedEvents) {
  ASSERT_NO_FATAL_FAILURE(PublishThree());
  const std::string file = testing::WriteTempFile("burst6.yaml",
                                                  WithBurstLimit(6));
  Result r = Reload({file});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  const riskflow::v1::PipelineInfo now = Pipeline();
  EXPECT_EQ(r.out, absl::StrCat("pipeline 'default' version ",
                                now.version_hash().substr(0, 12),
                                " took over after sequence 3\n"));
  // The path is the source GetPipeline shows.
  EXPECT_EQ(now.source(), file);
}

TEST_F(ReloadTest, DryRunValidatesWithoutSwitching) {
  const riskflow::v1::PipelineInfo before = Pipeline();
  const std::string file = testing::WriteTempFile("burst9.yaml",
                                                  WithBurstLimit(9));
  Result r = Reload({"--dry_run", file});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, StartsWith(absl::StrCat("dry run: pipeline 'default' in ",
                                             file, " is valid, version ")));
  EXPECT_THAT(r.out, HasSubstr(", not switched\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr(
                         before.version_hash().substr(0, 12))));
  const riskflow::v1::PipelineInfo after = Pipeline();
  EXPECT_EQ(after.version_hash(), before.version_hash());
  EXPECT_EQ(after.source(), "<embedded default>");

  // The version the dry run named is the one a real reload switches to.
  Result real = Reload({file});
  ASSERT_EQ(real.code, kExitOk) << real.err;
  const std::string version = Pipeline().version_hash().substr(0, 12);
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("version ", version, ",")));
}

TEST_F(ReloadTest, TheRunningVersionIsUnchanged) {
  const std::string file = testing::WriteTempFile("default.yaml", DefaultYaml());
  Result r = Reload({file});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, absl::StrCat("unchanged: already running version ",
                                Pipeline().version_hash().substr(0, 12),
                                " (pipeline 'default')\n"));
}

TEST_F(ReloadTest, RefusalsPrintTheDaemonsReasonAndExitOne) {
  const riskflow::v1::PipelineInfo before = Pipeline();
  const std::string bad_route = testing::WriteTempFile(
      "freze.yaml",
      absl::StrReplaceAll(DefaultYaml(), {{"route: FREEZE", "route: FREZE"}}));
  Result r = Reload({bad_route});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith(absl::StrCat("riskflow reload: refused ",
                                             bad_route, ": ")));
  EXPECT_THAT(r.err, HasSubstr("unknown route 'FREZE'"));
  EXPECT_THAT(r.err, HasSubstr("(the running version stays)\n"));

  // A parameter outside the plugin's declared range names the parameter,
  // also on a dry run.
  Result range = Reload(
      {testing::WriteTempFile("burst0.yaml", WithBurstLimit(0)), "--dry_run"});
  EXPECT_EQ(range.code, kExitError);
  EXPECT_THAT(range.err, HasSubstr("max_events")) << range.err;

  EXPECT_EQ(Pipeline().version_hash(), before.version_hash());
}

TEST_F(ReloadTest, FileAndUsageErrors) {
  Result missing = Reload({"/nonexistent/pipeline.yaml"});
  EXPECT_EQ(missing.code, kExitError);
  EXPECT_EQ(missing.err,
            "riskflow reload: cannot read /nonexistent/pipeline.yaml: No such "
            "file or directory\n");

  Result empty = Reload({testing::WriteTempFile("empty.yaml", "")});
  EXPECT_EQ(empty.code, kExitError);
  EXPECT_THAT(empty.err, HasSubstr("empty.yaml is empty\n"));

  Result none = Reload({});
  EXPECT_EQ(none.code, kExitError);
  EXPECT_EQ(none.err,
            "riskflow reload: needs the pipeline file (riskflow reload "
            "FILE.yaml)\n");

  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"help", "reload"}, out, err), kExitOk);
  EXPECT_EQ(out.str(), kReloadUsage);
}

}  // namespace
}  // namespace riskflow::cli
