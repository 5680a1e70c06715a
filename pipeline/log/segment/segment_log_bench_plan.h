// The append benchmarks' shared workload (segment_log_bench.cc): the same
// events for every log variant, how they are cut into appends, the timed
// multi-threaded run, and the process-CPU accounting per event.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_BENCH_PLAN_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_BENCH_PLAN_H_

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::log::segment::bench_plan {

inline std::string RandomUuid(std::mt19937_64& rng) {
  static const char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    id[i] = kHex[rng() & 15];
  }
  return id;
}

// The same events for every variant (as event_log_bench.cc makes them).
inline const std::vector<riskflow::v1::Event>& Events() {
  static const auto* events = [] {
    auto* out = new std::vector<riskflow::v1::Event>();
    std::mt19937_64 rng(42);
    for (int64_t j = 0; j < 200000; ++j) {
      riskflow::v1::Event e;
      e.set_event_id(RandomUuid(rng));
      e.set_channel_id("card");
      e.set_type(riskflow::v1::PAYMENT);
      e.set_event_time_ms(1700000000000 + j * 10);
      e.set_account_id("acct-" + std::to_string(rng() % 100000));
      e.set_counterparty("merchant-" + std::to_string(rng() % 5000));
      e.set_amount_minor(100 + static_cast<int64_t>(rng() % 100000));
      e.set_currency("CNY");
      e.set_country("CN");
      e.set_ip("10." + std::to_string(rng() % 256) + "." +
               std::to_string(rng() % 256) + ".7");
      e.set_device_id("dev-" + std::to_string(rng() % 80000));
      out->push_back(std::move(e));
    }
    return out;
  }();
  return *events;
}

struct ScratchDir {
  std::string path;
  ScratchDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/rf_seglog_bench_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) path = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// How the events are cut into appends: appenders x calls x batch, so that
// every variant appends exactly the same events in the same calls. About
// 1,000 events with batches of 1 (a synced write each with one appender)
// and 200,000 with batches of 1,000.
struct Plan {
  int appenders;
  int batch;
  int calls_per_appender;
  int64_t events() const {
    return int64_t{appenders} * calls_per_appender * batch;
  }
  // The events of thread t's call c.
  size_t first_event(int t, int c) const {
    return (static_cast<size_t>(t) * calls_per_appender + c) * batch;
  }
};

inline Plan MakePlan(const benchmark::State& state) {
  Plan plan;
  plan.appenders = static_cast<int>(state.range(0));
  plan.batch = static_cast<int>(state.range(1));
  const int64_t target = plan.batch == 1 ? 1000 : 200000;
  plan.calls_per_appender = static_cast<int>(
      std::max<int64_t>(1, target / (int64_t{plan.appenders} * plan.batch)));
  return plan;
}

// CPU seconds (user + system) of the whole process: appenders, the
// EventLog writer, RocksDB's background threads. On a shared machine the
// CPU an event costs moves less than the wall-clock rate does.
inline double ProcessCpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Process CPU of the timed runs, reported as µs per event.
inline double g_cpu_seconds = 0;

// Runs body(t) on plan.appenders threads released together; returns the
// seconds from release to the last thread's end. Thread start-up is not
// timed.
template <typename Body>
double RunAppenders(const Plan& plan, Body body) {
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int t = 0; t < plan.appenders; ++t) {
    threads.emplace_back([&, t] {
      go.WaitForNotification();
      body(t);
    });
  }
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  go.Notify();
  for (auto& th : threads) th.join();
  g_cpu_seconds += ProcessCpuSeconds() - cpu_start;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

// Variant -> "appenders:A/batch:B" -> CPU µs per event of each repetition.
inline std::map<std::string, std::map<std::string, std::vector<double>>>&
CpuPerEvent() {
  static auto* cpu =
      new std::map<std::string, std::map<std::string, std::vector<double>>>();
  return *cpu;
}

inline void ReportCpu(benchmark::State& state, const Plan& plan,
               const std::string& variant) {
  const double events =
      static_cast<double>(state.iterations() * plan.events());
  const double us = events > 0 ? g_cpu_seconds * 1e6 / events : 0;
  state.counters["cpu_us_per_ev"] = us;
  CpuPerEvent()[variant]["appenders:" + std::to_string(plan.appenders) +
                         "/batch:" + std::to_string(plan.batch)]
      .push_back(us);
}

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace riskflow::log::segment::bench_plan

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_BENCH_PLAN_H_
