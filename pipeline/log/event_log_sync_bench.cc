// What an Evaluate waits for in the event log under Publish load, with one
// log thread (one sync at a time) and with two (a group written while
// another group's fdatasync is in flight syncs at once; docs/segment-log.md,
// "Concurrent syncs"). The engine is left out: the dispatcher drops the
// events, so only the log's write + sync path and the disk are measured.
//
//   bazel run -c opt //pipeline/log:event_log_sync_bench -- \
//       --rate=136500 --seconds=8 --rounds=3
//
// Each round runs every --threads value on a fresh segment log in a temp
// dir (alternating, so a burst of disk traffic from another process does
// not land on one variant only): bulk batches of --batch events paced at
// --rate events/s, and a probe submitting one priority event every
// --probe_every_us and waiting for its ack. Prints the probe's and the bulk
// acks' percentiles per run, then medians per variant and the ratio of
// each variant's median p99 to the first variant's.

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/log/event_log.h"
#include "pipeline/storage/store.h"

ABSL_FLAG(int64_t, rate, 136500, "bulk events per second");
ABSL_FLAG(int, batch, 100, "events per bulk batch");
ABSL_FLAG(int, seconds, 8, "length of each run");
ABSL_FLAG(int, probe_every_us, 3000, "gap between two probes");
ABSL_FLAG(int, rounds, 3, "runs of each variant");
ABSL_FLAG(std::string, threads, "1,2", "log_threads values to compare");
ABSL_FLAG(std::string, dir, "", "where the temp logs go (default TMPDIR)");

namespace riskflow::log {
namespace {

using Clock = std::chrono::steady_clock;

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
  size_t n = 0;
};

Percentiles Summarize(std::vector<double> us) {
  Percentiles p;
  if (us.empty()) return p;
  std::sort(us.begin(), us.end());
  p.n = us.size();
  p.p50 = us[us.size() / 2];
  p.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  p.max = us.back();
  return p;
}

riskflow::v1::Event MakeEvent(const std::string& id, int64_t n) {
  riskflow::v1::Event e;
  e.set_event_id(id);
  e.set_channel_id("card");
  e.set_type(riskflow::v1::PAYMENT);
  e.set_event_time_ms(1700000000000 + n);
  e.set_account_id(absl::StrCat("acct-", n % 100000));
  e.set_counterparty(absl::StrCat("merchant-", n % 977));
  e.set_amount_minor(1000 + n % 100000);
  e.set_currency("CNY");
  return e;
}

struct RunResult {
  Percentiles probe;
  Percentiles ack;
};

RunResult RunOnce(size_t log_threads, const std::string& base, int run) {
  const std::string dir = absl::StrCat(base, "/sync_bench_", run);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  auto store = storage::Store::Open(dir + "/store", storage::StoreOptions());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  EventLog::Options options;
  options.backend = EventLog::Options::Backend::kSegments;
  options.segment_dir = dir + "/log-segments";
  options.dedupe_horizon_events = 2'000'000;
  options.log_threads = log_threads;
  EventLog log(store->get(), options, [](std::vector<LoggedEvent>) {});
  if (auto s = log.Open(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(1);
  }
  log.Start();

  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(absl::GetFlag(FLAGS_seconds));
  absl::Mutex mu;
  std::vector<double> ack_us;  // guarded by mu
  std::atomic<int64_t> in_flight{0};

  std::thread bulk([&] {
    const int batch = absl::GetFlag(FLAGS_batch);
    const double gap_ns = 1e9 * batch / absl::GetFlag(FLAGS_rate);
    int64_t n = 0;
    for (int64_t b = 0;; ++b) {
      const auto due =
          start + std::chrono::nanoseconds(static_cast<int64_t>(b * gap_ns));
      if (due >= end) break;
      std::this_thread::sleep_until(due);
      std::vector<riskflow::v1::Event> events;
      events.reserve(batch);
      for (int i = 0; i < batch; ++i, ++n) {
        events.push_back(MakeEvent(absl::StrCat("bulk-", run, "-", n), n));
      }
      const auto sent = Clock::now();
      auto ticket = log.Submit(std::move(events), absl::Seconds(10));
      if (!ticket.ok()) continue;
      ++in_flight;
      (*ticket)->OnDone([&, sent] {
        const double us =
            std::chrono::duration<double, std::micro>(Clock::now() - sent)
                .count();
        absl::MutexLock lock(&mu);
        ack_us.push_back(us);
        --in_flight;
      });
    }
  });
  std::vector<double> probe_us;
  for (int64_t p = 0;; ++p) {
    const auto due =
        start + std::chrono::microseconds(p * absl::GetFlag(FLAGS_probe_every_us));
    if (due >= end) break;
    std::this_thread::sleep_until(due);
    const auto sent = Clock::now();
    auto ticket = log.Submit({MakeEvent(absl::StrCat("probe-", run, "-", p),
                                        p)},
                             absl::Seconds(10), Lane::kPriority);
    if (!ticket.ok() || !(*ticket)->Wait().ok()) continue;
    probe_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - sent)
            .count());
  }
  bulk.join();
  log.Stop();
  RunResult result;
  result.probe = Summarize(std::move(probe_us));
  absl::MutexLock lock(&mu);
  result.ack = Summarize(ack_us);
  store->reset();
  std::filesystem::remove_all(dir, ec);
  return result;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Main() {
  std::vector<size_t> variants;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_threads), ',')) {
    size_t n = 0;
    if (!absl::SimpleAtoi(part, &n) || n == 0) {
      std::fprintf(stderr, "--threads: %s is not a thread count\n",
                   std::string(part).c_str());
      return 2;
    }
    variants.push_back(n);
  }
  std::string base = absl::GetFlag(FLAGS_dir);
  if (base.empty()) {
    const char* tmp = getenv("TMPDIR");
    base = tmp != nullptr ? tmp : "/tmp";
  }
  std::printf("bulk %lld ev/s in batches of %d, a priority probe every %d "
              "us, %d s per run\n",
              static_cast<long long>(absl::GetFlag(FLAGS_rate)),
              absl::GetFlag(FLAGS_batch), absl::GetFlag(FLAGS_probe_every_us),
              absl::GetFlag(FLAGS_seconds));
  std::map<size_t, std::vector<RunResult>> results;
  int run = 0;
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    for (size_t threads : variants) {
      const RunResult res = RunOnce(threads, base, run++);
      std::printf(
          "log_threads %zu round %d: probe p50 %.0f p99 %.0f max %.0f us "
          "(%zu); bulk ack p50 %.0f p99 %.0f max %.0f us\n",
          threads, r + 1, res.probe.p50, res.probe.p99, res.probe.max,
          res.probe.n, res.ack.p50, res.ack.p99, res.ack.max);
      std::fflush(stdout);
      results[threads].push_back(res);
    }
  }
  double base_p99 = 0;
  for (size_t threads : variants) {
    std::vector<double> p50, p99, max, ack99;
    for (const RunResult& res : results[threads]) {
      p50.push_back(res.probe.p50);
      p99.push_back(res.probe.p99);
      max.push_back(res.probe.max);
      ack99.push_back(res.ack.p99);
    }
    if (base_p99 == 0) base_p99 = Median(p99);
    std::printf(
        "log_threads %zu (medians): probe p50 %.0f p99 %.0f max %.0f us, "
        "bulk ack p99 %.0f us; probe p99 / first variant's %.2f\n",
        threads, Median(p50), Median(p99), Median(max), Median(ack99),
        base_p99 > 0 ? Median(p99) / base_p99 : 0);
  }
  return 0;
}

}  // namespace
}  // namespace riskflow::log

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return riskflow::log::Main();
}
