// riskflowd as a subprocess with --metrics_listen=127.0.0.1:0: after a
// publish (with one invalid event) and a consumer's cursor commit, a scrape
// over HTTP parses line by line and its counters moved: ingest results by
// code, acked batches, engine progress and lag, per-detector latency
// histograms, per-consumer sink backlog, disk free bytes, up/serving; an
// Evaluate's stage histograms and the log's sync histogram.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "pipeline/metrics/exposition_parser.h"
#include "tests/daemon_process.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

using metrics::ParsedExposition;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;

absl::StatusOr<ParsedExposition> Scrape(int port, std::string* body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  auto res = client.Get("/metrics");
  if (!res) {
    return absl::UnavailableError(
        absl::StrCat("GET /metrics: ", httplib::to_string(res.error())));
  }
  if (res->status != 200) {
    return absl::InternalError(absl::StrCat("status ", res->status));
  }
  *body = res->body;
  return metrics::ParseExposition(res->body);
}

TEST(MetricsTest, ScrapeParsesAndCountersMove) {
  const std::string dir = MakeTempDir("metrics");
  const std::string port_file = dir + "/metrics_port";
  auto daemon = DaemonProcess::Start(
      RiskflowdPath(), dir + "/data",
      {"--metrics_listen=127.0.0.1:0", "--metrics_port_file=" + port_file,
       "--shards=2"});
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  int metrics_port = 0;
  for (int i = 0; i < 100 && metrics_port == 0; ++i) {
    std::ifstream in(port_file);
    std::string line;
    if (std::getline(in, line)) absl::SimpleAtoi(line, &metrics_port);
    if (metrics_port == 0) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_GT(metrics_port, 0);

  std::string body;
  auto before = Scrape(metrics_port, &body);
  ASSERT_TRUE(before.ok()) << before.status() << "\n" << body;
  EXPECT_EQ(before->Sum("riskflow_up"), 1);
  EXPECT_EQ(before->Sum("riskflow_serving"), 1);
  EXPECT_EQ(before->Sum("riskflow_ingest_events_total", {{"result", "accepted"}}),
            0);

  // 8 payments of one account 1 s apart: the velocity detectors NOTIFY from
  // the 6th on; plus one event without an id (INVALID_EVENT).
  std::vector<Event> events;
  for (int i = 0; i < 8; ++i) {
    events.push_back(Payment(absl::StrCat("m-", i), "acct-m", "shop", 2500,
                             "CNY", kT0 + i * kSecond));
  }
  Event invalid = Payment("", "acct-m", "shop", 1, "CNY", kT0);
  events.push_back(invalid);
  Clients c(MakeChannel((*daemon)->port()));
  std::vector<PublishAck> acks;
  ASSERT_TRUE(PublishBatches(c.ingest.get(), {Batch(1, events)}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_EQ(acks[0].accepted(), 8u);
  ASSERT_TRUE(WaitProcessed(c.admin.get()).ok());
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
    riskflow::v1::CommitCursorRequest request;
    request.set_sink(riskflow::v1::NOTIFY);
    request.set_consumer("notifier \"eu\"");
    request.set_sequence(1);
    riskflow::v1::CommitCursorResponse response;
    ASSERT_TRUE(c.sinks->CommitCursor(&context, request, &response).ok());
  }

  auto after = Scrape(metrics_port, &body);
  ASSERT_TRUE(after.ok()) << after.status() << "\n" << body;
  EXPECT_EQ(after->types.at("riskflow_ingest_events_total"), "counter");
  EXPECT_EQ(after->types.at("riskflow_detector_latency_us"), "histogram");
  EXPECT_EQ(after->Sum("riskflow_ingest_events_total", {{"result", "accepted"}}),
            8);
  EXPECT_EQ(after->Sum("riskflow_ingest_events_total",
                       {{"result", "rejected"}, {"code", "INVALID_EVENT"}}),
            1);
  EXPECT_EQ(after->Sum("riskflow_ingest_batches_total", {{"result", "acked"}}),
            1);
  EXPECT_EQ(after->Sum("riskflow_engine_events_processed_total"), 8);
  EXPECT_EQ(after->Sum("riskflow_log_durable_sequence"), 8);
  EXPECT_EQ(after->Sum("riskflow_engine_lag_events"), 0);
  EXPECT_GE(after->Sum("riskflow_shard_queue_depth"), 0);
  // Every detector of the default pipeline timed every event.
  const double calls = after->Sum("riskflow_detector_latency_us_count");
  EXPECT_GT(calls, 0);
  EXPECT_EQ(static_cast<int64_t>(calls) % 8, 0);
  EXPECT_EQ(after->Sum("riskflow_detector_latency_us_bucket", {{"le", "+Inf"}}),
            calls);
  EXPECT_EQ(after->Sum("riskflow_detector_faults_total"), 0);
  EXPECT_EQ(after->Sum("riskflow_detectors_quarantined"), 0);
  // One FREEZE-cap sample per detector of the default pipeline, none hit.
  int cap_samples = 0;
  for (const auto& sample : after->samples) {
    if (sample.name == "riskflow_freeze_cap_hits_total") ++cap_samples;
  }
  EXPECT_EQ(cap_samples, 4);
  EXPECT_EQ(after->Sum("riskflow_freeze_cap_hits_total"), 0);
  const double notify_last =
      after->Sum("riskflow_sink_last_sequence", {{"sink", "NOTIFY"}});
  EXPECT_GE(notify_last, 2);
  EXPECT_EQ(after->Sum("riskflow_sink_consumer_backlog",
                       {{"sink", "NOTIFY"}, {"consumer", "notifier \"eu\""}}),
            notify_last - 1);
  EXPECT_GT(after->Sum("riskflow_disk_free_bytes"), 0);
  EXPECT_EQ(after->Sum("riskflow_disk_refusing"), 0);
  EXPECT_EQ(after->Sum("riskflow_store_write_stopped"), 0);
  // Each group sync timed (at least the publish's).
  EXPECT_GE(after->Sum("riskflow_log_sync_microseconds_count"), 1);
  EXPECT_GE(after->Sum("riskflow_shard_commit_microseconds_count"), 1);
  EXPECT_EQ(after->Sum("riskflow_evaluate_stage_microseconds_count",
                       {{"stage", "total"}}),
            0);

  // An Evaluate is timed by stage; its repeat (a duplicate, looked up and
  // not decided) is not.
  const Event evaluated = Payment("m-eval", "acct-m", "shop", 2500, "CNY",
                                  kT0 + 9 * kSecond);
  for (int i = 0; i < 2; ++i) {
    riskflow::v1::EvaluateResponse response;
    ASSERT_TRUE(
        Evaluate(c.ingest.get(), evaluated, kRpcTimeout, &response).ok());
    EXPECT_EQ(response.duplicate(), i == 1);
  }
  auto evaluated_scrape = Scrape(metrics_port, &body);
  ASSERT_TRUE(evaluated_scrape.ok()) << evaluated_scrape.status() << body;
  for (const char* stage : {"log", "decide", "total"}) {
    EXPECT_EQ(evaluated_scrape->Sum(
                  "riskflow_evaluate_stage_microseconds_count",
                  {{"stage", stage}}),
              1)
        << stage;
  }
  EXPECT_GE(evaluated_scrape->Sum("riskflow_log_sync_microseconds_count"), 2);

  auto code = (*daemon)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace riskflow::e2e
