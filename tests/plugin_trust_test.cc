// Plugins load only from trusted places, end to end against a real
// riskflowd process: ReloadPipeline (also dry_run) naming a path outside
// --plugin_path — directly, through "..", or through a symlinked directory
// — is refused before anything is dlopen()ed (a plugin whose ELF
// constructor writes a marker file proves it); a truncated .so is a clear
// error at start and via reload (no SIGBUS, the daemon keeps serving);
// build allowlists refuse unlisted builds naming their hash; a dry run
// refuses what create() refuses, with the real reload's message.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/config/hashing.h"
#include "tests/daemon_process.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

using ::testing::HasSubstr;

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir == nullptr ? "." : srcdir, "/riskflow/", path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::string PipelineYaml(const std::string& plugin,
                         const std::string& params = "",
                         const std::string& allowlist = "") {
  std::string yaml = "name: trust\n";
  if (!allowlist.empty()) {
    absl::StrAppend(&yaml, "plugin_sha256_allowlist:\n  - ", allowlist, "\n");
  }
  absl::StrAppend(&yaml, "detectors:\n  - name: d\n    plugin: ", plugin,
                  "\n");
  if (!params.empty()) absl::StrAppend(&yaml, "    params: {", params, "}\n");
  return yaml;
}

struct Exit {
  int code = -1;  // -1: killed by a signal
  int signal = 0;
  std::string err;
};

// Runs riskflowd to completion (it is expected to refuse to start).
Exit RunRiskflowd(const std::vector<std::string>& args,
                  const std::string& err_file) {
  std::vector<std::string> all = {RiskflowdPath(), "--listen=127.0.0.1:0"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Exit exit;
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  exit.err = ReadFile(err_file);
  return exit;
}

// root/
//   trusted/                  --plugin_path
//     velocity/libvelocity.so (a copy of the real plugin)
//     escape -> root/outside  (symlinked directory leading out)
//   outside/libmarker.so      its constructor writes root/marker
class PluginTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir("plugin-trust");
    ASSERT_FALSE(root_.empty());
    trusted_ = root_ + "/trusted";
    outside_ = root_ + "/outside";
    marker_ = root_ + "/marker";
    for (const std::string& dir :
         {trusted_, outside_, trusted_ + "/velocity", trusted_ + "/trunc"}) {
      ASSERT_EQ(mkdir(dir.c_str(), 0755), 0) << dir;
    }
    velocity_ = trusted_ + "/velocity/libvelocity.so";
    WriteFile(velocity_, ReadFile(Runfile("plugins/velocity/libvelocity.so")));
    marker_image_ = ReadFile(Runfile(
        "plugins/testing/constructor_marker/libconstructor_marker.so"));
    ASSERT_GT(marker_image_.size(), 1000u);
    WriteFile(outside_ + "/libmarker.so", marker_image_);
    ASSERT_EQ(symlink(outside_.c_str(), (trusted_ + "/escape").c_str()), 0);
    // A truncated copy of a real plugin.
    const std::string velocity = ReadFile(velocity_);
    truncated_ = trusted_ + "/trunc/libtrunc.so";
    WriteFile(truncated_, velocity.substr(0, velocity.size() / 2));
    config_ = root_ + "/pipeline.yaml";
    WriteFile(config_, PipelineYaml("velocity"));
    // The daemon inherits it: the marker plugin's constructor writes here.
    ASSERT_EQ(setenv("RISKFLOW_TEST_MARKER_FILE", marker_.c_str(), 1), 0);
  }

  void StartDaemon(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--config=" + config_,
                                     "--plugin_path=" + trusted_};
    args.insert(args.end(), extra.begin(), extra.end());
    auto daemon =
        DaemonProcess::Start(RiskflowdPath(), root_ + "/data", args);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = std::move(*daemon);
    clients_ = std::make_unique<Clients>(MakeChannel(daemon_->port()));
  }

  grpc::Status Reload(const std::string& yaml, bool dry_run,
                      riskflow::v1::ReloadPipelineResponse* response =
                          nullptr) {
    riskflow::v1::ReloadPipelineResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    riskflow::v1::ReloadPipelineRequest request;
    request.set_yaml(yaml);
    request.set_source("plugin_trust_test");
    request.set_dry_run(dry_run);
    return clients_->admin->ReloadPipeline(
        &ctx, request, response != nullptr ? response : &ignored);
  }

  // The daemon still serves: health answers and an event is acknowledged
  // and decided by the original pipeline.
  void ExpectStillServing(int n) {
    auto health = GetHealth(clients_->admin.get());
    ASSERT_TRUE(health.ok()) << health.status();
    std::vector<riskflow::v1::PublishAck> acks;
    grpc::Status s = PublishBatches(
        clients_->ingest.get(),
        {Batch(n, {Payment(absl::StrCat("still-", n), "acct", "m", 100, "CNY",
                           kT0 + n)})},
        &acks);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(acks.size(), 1u);
    ASSERT_TRUE(WaitProcessed(clients_->admin.get()).ok());
    grpc::ClientContext ctx;
    riskflow::v1::PipelineInfo info;
    ASSERT_TRUE(clients_->admin
                    ->GetPipeline(&ctx, riskflow::v1::GetPipelineRequest(),
                                  &info)
                    .ok());
    EXPECT_EQ(info.config().detectors(0).plugin(), "velocity");
  }

  std::string root_, trusted_, outside_, marker_, velocity_, truncated_,
      config_, marker_image_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<Clients> clients_;
};

TEST_F(PluginTrustTest, ReloadOfPathsOutsideThePluginPathIsRefusedUnopened) {
  StartDaemon();
  const std::vector<std::pair<std::string, std::string>> attempts = {
      {outside_ + "/libmarker.so", "the path is outside the plugin path"},
      {trusted_ + "/../outside/libmarker.so", "a '..' path component"},
      {"../outside/libmarker.so", "a '..' path component"},
      {trusted_ + "/escape/libmarker.so",
       "through the symlink " + trusted_ + "/escape"},
      {"escape/libmarker.so", "through the symlink " + trusted_ + "/escape"},
  };
  for (bool dry_run : {true, false}) {
    for (const auto& [plugin, why] : attempts) {
      SCOPED_TRACE(absl::StrCat(plugin, dry_run ? " (dry run)" : ""));
      grpc::Status s = Reload(PipelineYaml(plugin), dry_run);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << s.error_message();
      EXPECT_THAT(s.error_message(), HasSubstr("plugin '" + plugin + "'"));
      EXPECT_THAT(s.error_message(), HasSubstr(why));
      EXPECT_THAT(s.error_message(),
                  HasSubstr("plugins load only from the plugin path (" +
                            trusted_ + ", "));
      EXPECT_THAT(s.error_message(), HasSubstr("(the running version stays)"));
    }
  }
  EXPECT_FALSE(Exists(marker_)) << "a refused plugin was dlopen()ed";
  ExpectStillServing(1);

  // The same library from inside the plugin path does load (and its
  // constructor runs), so the check above could have failed.
  ASSERT_EQ(mkdir((trusted_ + "/marker").c_str(), 0755), 0);
  WriteFile(trusted_ + "/marker/libmarker.so", marker_image_);
  grpc::Status ok = Reload(PipelineYaml("marker"), /*dry_run=*/true);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_TRUE(Exists(marker_));
}

TEST_F(PluginTrustTest, TruncatedPluginViaReloadIsAClearErrorAndServingGoesOn) {
  StartDaemon();
  for (bool dry_run : {true, false}) {
    grpc::Status s = Reload(PipelineYaml("trunc"), dry_run);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("plugin " + truncated_ + ": "));
    EXPECT_THAT(s.error_message(), HasSubstr("truncated?"));
  }
  ExpectStillServing(2);
  EXPECT_TRUE(daemon_->Terminate().ok());
}

TEST_F(PluginTrustTest, RefusedPluginsAtStartAreCleanExitsNotCrashes) {
  struct Case {
    std::string yaml;
    std::vector<std::string> args;
    std::vector<std::string> parts;
  };
  const std::string hash = config::Sha256Hex(ReadFile(velocity_));
  const std::string allow = root_ + "/allow.txt";
  WriteFile(allow, std::string(64, '0') + "\n");
  const std::vector<Case> cases = {
      {PipelineYaml("trunc"), {}, {"plugin " + truncated_ + ": ", "truncated?"}},
      {PipelineYaml(outside_ + "/libmarker.so"),
       {},
       {"the path is outside the plugin path"}},
      {PipelineYaml("velocity"),
       {"--plugin_allowlist=" + allow},
       {"plugin " + velocity_ + ": build sha256 " + hash,
        "is not on riskflowd's --plugin_allowlist"}},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    const std::string config = absl::StrCat(root_, "/start-", n, ".yaml");
    WriteFile(config, c.yaml);
    std::vector<std::string> args = {
        "--config=" + config, "--plugin_path=" + trusted_,
        absl::StrCat("--data_dir=", root_, "/start-data-", n)};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Exit exit = RunRiskflowd(args, absl::StrCat(root_, "/start-", n, ".err"));
    EXPECT_EQ(exit.signal, 0) << "riskflowd died of a signal: " << exit.err;
    EXPECT_EQ(exit.code, 1) << exit.err;
    for (const std::string& part : c.parts) {
      EXPECT_THAT(exit.err, HasSubstr(part));
    }
    ++n;
  }
  EXPECT_FALSE(Exists(marker_));
}

TEST_F(PluginTrustTest, AllowlistsRefuseUnlistedBuildsNamingTheirHash) {
  const std::string hash = config::Sha256Hex(ReadFile(velocity_));
  const std::string zeros(64, '0');
  // The operator pins velocity's build.
  const std::string allow = root_ + "/allow.txt";
  WriteFile(allow, "# velocity\n" + hash + "\n");
  StartDaemon({"--plugin_allowlist=" + allow});

  // The pipeline's own list, without the build.
  grpc::Status s =
      Reload(PipelineYaml("velocity", "max_events: 7", zeros), false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(),
              HasSubstr("plugin " + velocity_ + ": build sha256 " + hash +
                        " is not in the pipeline's plugin_sha256_allowlist"));
  // With it.
  s = Reload(PipelineYaml("velocity", "max_events: 7", hash), false);
  EXPECT_TRUE(s.ok()) << s.error_message();

  // A plugin on the path but not pinned by the operator: refused whatever
  // the reload YAML lists, and never loaded.
  ASSERT_EQ(mkdir((trusted_ + "/marker").c_str(), 0755), 0);
  WriteFile(trusted_ + "/marker/libmarker.so", marker_image_);
  const std::string marker_hash = config::Sha256Hex(marker_image_);
  for (bool dry_run : {true, false}) {
    s = Reload(PipelineYaml("marker", "", marker_hash), dry_run);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(s.error_message(),
                HasSubstr("build sha256 " + marker_hash +
                          " is not on riskflowd's --plugin_allowlist"));
  }
  EXPECT_FALSE(Exists(marker_));
}

TEST_F(PluginTrustTest, DryRunRefusesWhatCreateRefusesWithTheSameMessage) {
  StartDaemon();
  // Valid by velocity's parameter schema; refused by its create().
  const std::string yaml = PipelineYaml("velocity", "bucket: 2m");
  grpc::Status dry = Reload(yaml, /*dry_run=*/true);
  grpc::Status real = Reload(yaml, /*dry_run=*/false);
  EXPECT_EQ(dry.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << dry.error_message();
  EXPECT_EQ(real.error_code(), dry.error_code());
  EXPECT_EQ(real.error_message(), dry.error_message());
  EXPECT_THAT(dry.error_message(),
              HasSubstr("refused to start: parameter 'bucket': 2m is longer "
                        "than the window of 1m"));
  // A change of what cannot change at run time, too.
  grpc::Status shards = Reload("shards: 3\n" + PipelineYaml("velocity"),
                               /*dry_run=*/true);
  EXPECT_EQ(shards.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(shards.error_message(), HasSubstr("shards: cannot change"));
  // And a good one passes.
  riskflow::v1::ReloadPipelineResponse response;
  grpc::Status good =
      Reload(PipelineYaml("velocity", "max_events: 9"), true, &response);
  EXPECT_TRUE(good.ok()) << good.error_message();
  ExpectStillServing(3);
}

}  // namespace
}  // namespace riskflow::e2e
