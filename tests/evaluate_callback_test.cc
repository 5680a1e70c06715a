// The callback Evaluate (docs/evaluate-lane.md, "The callback Evaluate"):
// a pending Evaluate holds no server thread, so a burst of slow calls
// cannot make riskflowd spawn a thread per call; every call still gets its
// own decision; a call that outlives its deadline ends with
// DEADLINE_EXCEEDED and the event is still decided, so evaluating it again
// returns the logged decision.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

// One shard and a detector that sleeps per event, so Evaluates pile up.
std::string SlowPipeline(int sleep_ms) {
  return absl::StrCat(R"(
name: slow_evaluate
shards: 1
detectors:
  - name: slow
    plugin: testing/faulty/libfaulty.so
    on_error: PASS
    time_budget: 5s
    params: {sleep_ms: )",
                      sleep_ms, R"(}
  - name: large_payout
    plugin: large_amount
    route: MANUAL_REVIEW
    params:
      thresholds: "CNY:100000"
      types: [PAYOUT]
)");
}

int ThreadsOfThisProcess() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int threads = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::vector<std::string> kv = absl::StrSplit(line, absl::ByAnyChar(":\t\n "),
                                                 absl::SkipEmpty());
    if (kv.size() == 2 && kv[0] == "Threads") {
      (void)absl::SimpleAtoi(kv[1], &threads);
    }
  }
  std::fclose(f);
  return threads;
}

TEST(EvaluateCallbackTest, PendingCallsHoldNoServerThreads) {
  TestDaemonOptions options;
  options.pipeline_yaml = SlowPipeline(15);
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;
  {  // warm-up: channel connected, every lazily started thread running
    riskflow::v1::EvaluateResponse response;
    grpc::Status s = d.Evaluate(
        Payment("warm", "acct-w", "shop", 100, "CNY", kT0), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const int threads_before = ThreadsOfThisProcess();
  ASSERT_GT(threads_before, 0);

  // 120 calls at once; the shard needs ~15 ms for each, so most of them
  // wait for their decision for a second or more.
  constexpr int kCalls = 120;
  struct Call {
    grpc::ClientContext context;
    riskflow::v1::EvaluateRequest request;
    riskflow::v1::EvaluateResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::Mutex mu;
  int done = 0;
  for (int i = 0; i < kCalls; ++i) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(60));
    // Every 3rd a large payout (MANUAL_REVIEW), the others small payments.
    *call->request.mutable_event() =
        i % 3 == 0 ? Payout(absl::StrCat("p-", i), absl::StrCat("acct-", i),
                            "payee", 50000000, "CNY", kT0 + i)
                   : Payment(absl::StrCat("p-", i), absl::StrCat("acct-", i),
                             "shop", 100, "CNY", kT0 + i);
    calls.push_back(std::move(call));
  }
  for (auto& c : calls) {
    Call* raw = c.get();
    d.ingest()->async()->Evaluate(&raw->context, &raw->request,
                                  &raw->response, [&mu, &done, raw](grpc::Status s) {
                                    absl::MutexLock lock(&mu);
                                    raw->status = std::move(s);
                                    ++done;
                                  });
  }
  // While they wait: the server has not grown a thread per call.
  absl::SleepFor(absl::Milliseconds(600));
  int pending;
  {
    absl::MutexLock lock(&mu);
    pending = kCalls - done;
  }
  const int threads_during = ThreadsOfThisProcess();
  EXPECT_GT(pending, kCalls / 2) << "the calls did not pile up; the test "
                                    "shows nothing";
  EXPECT_LT(threads_during - threads_before, 24)
      << pending << " calls pending, threads " << threads_before << " -> "
      << threads_during;

  {
    absl::MutexLock lock(&mu);
    auto all_done = [&done]() { return done == kCalls; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all_done),
                                    absl::Seconds(60)));
  }
  for (int i = 0; i < kCalls; ++i) {
    const Call& c = *calls[i];
    ASSERT_TRUE(c.status.ok()) << i << ": " << c.status.error_message();
    EXPECT_EQ(c.response.decision().event_id(), absl::StrCat("p-", i));
    EXPECT_FALSE(c.response.duplicate());
    EXPECT_EQ(c.response.decision().route(),
              i % 3 == 0 ? riskflow::v1::MANUAL_REVIEW : riskflow::v1::PASS)
        << i;
  }
}

TEST(EvaluateCallbackTest, DeadlinePassesTheEventIsStillDecided) {
  TestDaemonOptions options;
  options.pipeline_yaml = SlowPipeline(400);
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;
  const riskflow::v1::Event payout =
      Payout("late-1", "acct-late", "payee", 50000000, "CNY", kT0);

  riskflow::v1::EvaluateResponse first;
  const absl::Time t0 = absl::Now();
  grpc::Status s = d.Evaluate(payout, &first, absl::Milliseconds(100));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  EXPECT_LT(absl::Now() - t0, absl::Milliseconds(350))
      << "the call waited for the decision past its deadline";

  ASSERT_TRUE(d.WaitProcessed(absl::Seconds(30)).ok());
  riskflow::v1::EvaluateResponse again;
  s = d.Evaluate(payout, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.decision().event_id(), "late-1");
  EXPECT_EQ(again.decision().route(), riskflow::v1::MANUAL_REVIEW);

  // The daemon stops cleanly with an Evaluate still waiting for a slow
  // decision (the call is cancelled, not leaked or crashed on).
  riskflow::v1::EvaluateResponse pending;
  std::atomic<bool> finished{false};
  grpc::ClientContext context;
  riskflow::v1::EvaluateRequest request;
  *request.mutable_event() =
      Payment("late-2", "acct-late", "shop", 100, "CNY", kT0 + 1);
  d.ingest()->async()->Evaluate(&context, &request, &pending,
                                [&finished](grpc::Status) { finished = true; });
  absl::SleepFor(absl::Milliseconds(50));
  d.Shutdown();
  for (int i = 0; i < 100 && !finished; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace riskflow::e2e
