// The real riskflowd in the test process, for the CLI's end-to-end tests:
// riskflow::server::Daemon on 127.0.0.1:0 with RocksDB in a fresh temp dir,
// the embedded default pipeline and the real detector plugins (dlopen'ed
// from the test's runfiles), plus a connected channel and stubs.
#ifndef RISKFLOW_TOOLS_RISKFLOW_TEST_DAEMON_H_
#define RISKFLOW_TOOLS_RISKFLOW_TEST_DAEMON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "pipeline/server/daemon.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"

namespace riskflow::cli::testing {

// The demo stream, a data dependency of every test that uses it.
inline constexpr char kSampleEvents[] = "tools/sample/events.jsonl";

struct TestDaemonOptions {
  // DaemonOptions::max_batch_events; 0 keeps the daemon's default.
  uint32_t max_batch_events = 0;
  // Serve Ingest without a log or pipeline (GetPipeline then fails).
  bool transport_only = false;
  // When set, a challenger pipeline (this YAML) runs in shadow mode, as
  // riskflowd --shadow_config runs it.
  std::string shadow_pipeline_yaml;
};

// A fresh directory under testing::TempDir(); empty on failure.
std::string MakeTempDir(const std::string& prefix);

// Writes `text` to a new file in a fresh temp dir and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

// The event ids tools/sample/README.md expects in `sink` after publishing
// the sample to a fresh daemon, sorted.
std::vector<std::string> SampleSinkEventIds(riskflow::v1::Route sink);

// One line of `riskflow tail` text output:
// "#<sink_sequence> <ROUTE> <channel>/<event_id> account=<id> <tags...>".
struct TailLine {
  uint64_t sink_sequence = 0;
  std::string route;
  std::string channel_id;
  std::string event_id;
  std::string account_id;
  std::vector<std::string> tags;  // "detector:REASON", in printed order
};

// Parses every line of `text`; an error names the first line that does not
// have the shape above.
absl::StatusOr<std::vector<TailLine>> ParseTailText(const std::string& text);

class TestDaemon {
 public:
  // Starts the daemon and waits until a channel to it is connected.
  static absl::StatusOr<std::unique_ptr<TestDaemon>> Start(
      TestDaemonOptions options = {});
  ~TestDaemon();

  TestDaemon(const TestDaemon&) = delete;
  TestDaemon& operator=(const TestDaemon&) = delete;

  // "127.0.0.1:<port>", what --target takes.
  const std::string& target() const { return target_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  riskflow::v1::Ingest::Stub* ingest() const { return ingest_.get(); }
  riskflow::v1::Sinks::Stub* sinks() const { return sinks_.get(); }
  riskflow::v1::Admin::Stub* admin() const { return admin_.get(); }
  const std::string& data_dir() const { return data_dir_; }

  absl::StatusOr<riskflow::v1::Health> Health() const;

  // Polls Admin.GetHealth until processed_sequence >= durable_sequence, so
  // every durable event has its decision (and its sink entries).
  absl::Status WaitProcessed(absl::Duration timeout = absl::Seconds(60)) const;

  // Stops the daemon (idempotent); the port is then free.
  void Shutdown();

 private:
  TestDaemon() = default;

  std::string data_dir_;
  std::string target_;
  std::unique_ptr<riskflow::server::Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<riskflow::v1::Ingest::Stub> ingest_;
  std::unique_ptr<riskflow::v1::Sinks::Stub> sinks_;
  std::unique_ptr<riskflow::v1::Admin::Stub> admin_;
};

}  // namespace riskflow::cli::testing

#endif  // RISKFLOW_TOOLS_RISKFLOW_TEST_DAEMON_H_
