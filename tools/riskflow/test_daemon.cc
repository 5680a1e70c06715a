#include "tools/riskflow/test_daemon.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"

namespace riskflow::cli::testing {

namespace {

constexpr absl::Duration kRpcTimeout = absl::Seconds(10);

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  std::string root = ::testing::TempDir();
  if (!root.empty() && root.back() != '/') root += '/';
  std::string pattern = absl::StrCat(root, prefix, "-XXXXXX");
  char* dir = mkdtemp(pattern.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  std::string path = absl::StrCat(MakeTempDir("riskflow-input"), "/", name);
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> SampleSinkEventIds(riskflow::v1::Route sink) {
  auto range = [](int first, int last, std::vector<std::string>* ids) {
    for (int i = first; i <= last; ++i) {
      ids->push_back(absl::StrFormat("evt-%06d", i));
    }
  };
  std::vector<std::string> ids;
  switch (sink) {
    case riskflow::v1::FREEZE:
      range(204, 208, &ids);
      break;
    case riskflow::v1::MANUAL_REVIEW:
      ids = {"evt-000168", "evt-000220"};
      break;
    case riskflow::v1::NOTIFY:
      range(146, 148, &ids);
      // Not 205-208: evt-000204's FREEZE holds acct-0042, so its later
      // transfers are FREEZE (ACCOUNT_HELD) without the detectors.
      range(189, 204, &ids);
      break;
    default:
      break;
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<std::vector<TailLine>> ParseTailText(const std::string& text) {
  std::vector<TailLine> lines;
  for (absl::string_view raw : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> words = absl::StrSplit(raw, ' ');
    auto bad = [&raw](const char* why) {
      return absl::InvalidArgumentError(
          absl::StrCat("tail line \"", std::string(raw), "\": ", why));
    };
    if (words.size() < 4) return bad("fewer than 4 words");
    TailLine line;
    if (words[0].size() < 2 || words[0][0] != '#' ||
        !absl::SimpleAtoi(words[0].substr(1), &line.sink_sequence)) {
      return bad("no #<sink_sequence>");
    }
    line.route = words[1];
    std::vector<std::string> id = absl::StrSplit(words[2], '/');
    if (id.size() != 2) return bad("no <channel>/<event_id>");
    line.channel_id = id[0];
    line.event_id = id[1];
    const std::string kAccount = "account=";
    if (words[3].rfind(kAccount, 0) != 0) return bad("no account=");
    line.account_id = words[3].substr(kAccount.size());
    line.tags.assign(words.begin() + 4, words.end());
    lines.push_back(std::move(line));
  }
  return lines;
}

absl::StatusOr<std::unique_ptr<TestDaemon>> TestDaemon::Start(
    TestDaemonOptions options) {
  std::unique_ptr<TestDaemon> d(new TestDaemon());
  absl::StatusOr<riskflow::v1::PipelineConfig> pipeline =
      riskflow::config::ParsePipelineYaml(
          riskflow::config::DefaultPipelineYaml());
  if (!pipeline.ok()) return pipeline.status();
  d->data_dir_ = MakeTempDir("riskflow-cli");
  if (d->data_dir_.empty()) {
    return absl::InternalError("mkdtemp failed under testing::TempDir()");
  }
  riskflow::server::DaemonOptions daemon_options;
  daemon_options.listen_address = "127.0.0.1:0";
  daemon_options.data_dir = d->data_dir_;
  daemon_options.pipeline = *std::move(pipeline);
  daemon_options.plugin_search_path =
      riskflow::plugin_host::DefaultPluginSearchPath();
  daemon_options.transport_only = options.transport_only;
  if (!options.shadow_pipeline_yaml.empty()) {
    absl::StatusOr<riskflow::v1::PipelineConfig> shadow =
        riskflow::config::ParsePipelineYaml(options.shadow_pipeline_yaml);
    if (!shadow.ok()) return shadow.status();
    daemon_options.shadow = true;
    daemon_options.shadow_pipeline = *std::move(shadow);
  }
  if (options.max_batch_events > 0) {
    daemon_options.max_batch_events = options.max_batch_events;
  }
  absl::StatusOr<std::unique_ptr<riskflow::server::Daemon>> daemon =
      riskflow::server::Daemon::Start(std::move(daemon_options));
  if (!daemon.ok()) return daemon.status();
  d->daemon_ = *std::move(daemon);
  d->target_ = absl::StrCat("127.0.0.1:", d->daemon_->port());
  d->channel_ =
      grpc::CreateChannel(d->target_, grpc::InsecureChannelCredentials());
  if (!d->channel_->WaitForConnected(
          absl::ToChronoTime(absl::Now() + kRpcTimeout))) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the daemon on ", d->target_));
  }
  d->ingest_ = riskflow::v1::Ingest::NewStub(d->channel_);
  d->sinks_ = riskflow::v1::Sinks::NewStub(d->channel_);
  d->admin_ = riskflow::v1::Admin::NewStub(d->channel_);
  return d;
}

TestDaemon::~TestDaemon() { Shutdown(); }

void TestDaemon::Shutdown() {
  // Nothing of ours may talk to a daemon that is going away.
  ingest_.reset();
  sinks_.reset();
  admin_.reset();
  channel_.reset();
  if (daemon_ != nullptr) daemon_->Shutdown();
  daemon_.reset();
}

absl::StatusOr<riskflow::v1::Health> TestDaemon::Health() const {
  if (admin_ == nullptr) return absl::FailedPreconditionError("shut down");
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  riskflow::v1::Health health;
  grpc::Status s =
      admin_->GetHealth(&context, riskflow::v1::GetHealthRequest(), &health);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat("GetHealth: ", s.error_message()));
  }
  return health;
}

absl::Status TestDaemon::WaitProcessed(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  riskflow::v1::Health last;
  while (true) {
    absl::StatusOr<riskflow::v1::Health> health = Health();
    if (!health.ok()) return health.status();
    last = *std::move(health);
    if (last.processed_sequence() >= last.durable_sequence()) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(5));  // poll interval, not a wait
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "processed_sequence ", last.processed_sequence(),
      " did not reach durable_sequence ", last.durable_sequence(), " within ",
      absl::FormatDuration(timeout)));
}

}  // namespace riskflow::cli::testing
