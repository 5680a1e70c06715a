// Cases opened per second from a sink backlog: publishes N large payouts on
// N accounts to a real riskflowd (in this process, on loopback), so its
// MANUAL_REVIEW sink holds N flagged decisions, then drains the backlog
// with the case service's consumer over gRPC into a fresh SQLite database,
// `runs` times; prints each run and the median.
//
//   bazel run -c opt //tools/riskflow_cases:cases_bench -- --decisions=100000
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pipeline/cases/case_store.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "tools/riskflow/test_daemon.h"
#include "tools/riskflow_cases/sink_consumer.h"

ABSL_FLAG(int64_t, decisions, 100000, "flagged decisions in the backlog");
ABSL_FLAG(int64_t, runs, 3, "drains of the same backlog (fresh db each)");
ABSL_FLAG(int64_t, batch, 1000, "decisions per transaction");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // test_daemon.h's helpers use GoogleTest's temp dir.
  ::testing::InitGoogleTest(&argc, argv);
  const int64_t n = absl::GetFlag(FLAGS_decisions);
  absl::StatusOr<std::unique_ptr<riskflow::cli::testing::TestDaemon>> daemon =
      riskflow::cli::testing::TestDaemon::Start();
  if (!daemon.ok()) {
    std::cerr << daemon.status() << "\n";
    return 1;
  }
  const absl::Time publish_start = absl::Now();
  {
    grpc::ClientContext context;
    auto stream = (*daemon)->ingest()->Publish(&context);
    int64_t i = 0;
    uint64_t batch_id = 0;
    while (i < n) {
      riskflow::v1::PublishRequest request;
      request.set_batch_id(++batch_id);
      for (int k = 0; k < 500 && i < n; ++k, ++i) {
        riskflow::v1::Event* e = request.add_events();
        e->set_event_id(absl::StrCat("bench-", i));
        e->set_channel_id("bench");
        e->set_type(riskflow::v1::PAYOUT);
        e->set_event_time_ms(1700000000000 + i);
        e->set_account_id(absl::StrCat("acct-", i));
        e->set_counterparty(absl::StrCat("cp-", i));
        e->set_amount_minor(2'000'000);  // above large_amount's USD threshold
        e->set_currency("USD");
      }
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
    riskflow::v1::PublishAck ack;
    while (stream->Read(&ack)) {
    }
    grpc::Status s = stream->Finish();
    if (!s.ok()) {
      std::cerr << "publish: " << s.error_message() << "\n";
      return 1;
    }
  }
  if (absl::Status s = (*daemon)->WaitProcessed(absl::Minutes(10)); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  std::cout << "backlog: " << n << " events published and decided in "
            << absl::ToDoubleSeconds(absl::Now() - publish_start) << " s\n";
  const std::string dir = riskflow::cli::testing::MakeTempDir("cases_bench");
  std::vector<double> rates;
  for (int64_t run = 0; run < absl::GetFlag(FLAGS_runs); ++run) {
    const std::string db = absl::StrCat(dir, "/run", run, ".db");
    absl::StatusOr<std::unique_ptr<riskflow::cases::CaseStore>> store =
        riskflow::cases::CaseStore::Open(db);
    if (!store.ok()) {
      std::cerr << store.status() << "\n";
      return 1;
    }
    riskflow::cases::ConsumerOptions options;
    options.batch = static_cast<uint64_t>(absl::GetFlag(FLAGS_batch));
    options.once = true;
    options.consumer = absl::StrCat("bench-", run);
    riskflow::cases::ConsumerStats stats;
    const absl::Time start = absl::Now();
    absl::Status s = riskflow::cases::ConsumeSink(
        (*daemon)->sinks(), store->get(), riskflow::v1::MANUAL_REVIEW, options,
        nullptr, &stats, &std::cerr);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
    const double rate = stats.ingested.opened / seconds;
    rates.push_back(rate);
    std::cout << "run " << run + 1 << ": " << stats.decisions
              << " decisions, " << stats.ingested.opened << " cases opened in "
              << seconds << " s = " << static_cast<int64_t>(rate)
              << " cases/s\n";
  }
  std::sort(rates.begin(), rates.end());
  std::cout << "median: " << static_cast<int64_t>(rates[rates.size() / 2])
            << " cases/s\n";
  return 0;
}
