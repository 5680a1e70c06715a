// The segment log against the RocksDB event log, appending the same events
// with durable group commit, in one run (docs/segment-log.md):
//
//   bazel run //pipeline/log/segment:segment_log_bench --
//       --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
//
// (random interleaving spreads each variant's repetitions over the run, so
// a burst of disk traffic from another process does not land on one
// variant only; the machine here is shared.)
//
// Append benchmarks (args: appenders = concurrent threads, batch = events
// per append call; every call returns only once its events are durable):
//   BM_EventLog    the live log as riskflowd runs it: EventLog over a Store
//                  with WAL, sync = true, the exact idempotency index in the
//                  store (a Get and a Put per event), Submit + Wait;
//   BM_RocksLog    RocksDB's storage alone: each caller writes its records
//                  (SequenceKey -> EncodeLogRecord, the EventLog's layout)
//                  as one synced WriteBatch; RocksDB's write thread merges
//                  concurrent callers into one WAL write + one sync;
//   BM_SegmentLog  SegmentLog::Append, one pwritev + one fdatasync per
//                  group.
// Every variant serializes its events (EncodeLogRecord) inside the timed
// region, as the live log does in its writer thread. cpu_us_per_ev is the
// whole process's CPU (all threads) during the timed region per event; the
// table's CPU column is the benchmark thread's only (it just waits).
// Scan benchmarks read 200,000 logged events back: raw bytes (RocksDB
// iterator over the log CF after a flush vs SegmentLog::Scan), and decoded
// into LoggedEvent (EventLog::Scan vs SegmentLog::Scan + DecodeLogRecord);
// scan and open rates are per CPU second of the benchmark thread (Google
// Benchmark's default), which a loaded machine disturbs less than wall time.
// After the table it prints each segment figure as a ratio of the RocksDB
// ones measured in the same run (medians with --benchmark_repetitions).

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/log/segment/crc32c.h"
#include "pipeline/log/segment/segment_log.h"
#include "pipeline/log/segment/segment_log_bench_plan.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "rocksdb/write_batch.h"
#include "tools/bench/rate_reporter.h"

namespace riskflow::log::segment {

using storage::PutFixed64;
using storage::SequenceKey;

namespace {

using bench_plan::CpuPerEvent;
using bench_plan::Events;
using bench_plan::g_cpu_seconds;
using bench_plan::MakePlan;
using bench_plan::Median;
using bench_plan::Plan;
using bench_plan::ReportCpu;
using bench_plan::RunAppenders;
using bench_plan::ScratchDir;

std::unique_ptr<storage::Store> OpenStore(const std::string& dir) {
  storage::StoreOptions options;
  options.name = "bench";
  auto store = storage::Store::Open(dir, options);
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

void BM_EventLog(benchmark::State& state) {
  const Plan plan = MakePlan(state);
  g_cpu_seconds = 0;
  const auto& events = Events();
  for (auto _ : state) {
    ScratchDir dir;
    auto store = OpenStore(dir.path);
    if (store == nullptr) {
      state.SkipWithError("cannot open a store");
      return;
    }
    EventLog::Options options;
    options.sync = true;
    EventLog log(store.get(), options, [](std::vector<LoggedEvent>) {});
    if (!log.Open().ok()) {
      state.SkipWithError("cannot open the log");
      return;
    }
    log.Start();
    // Submit consumes its events: the copies are made before timing.
    std::vector<std::vector<std::vector<riskflow::v1::Event>>> input(
        plan.appenders);
    for (int t = 0; t < plan.appenders; ++t) {
      for (int c = 0; c < plan.calls_per_appender; ++c) {
        const size_t first = plan.first_event(t, c);
        input[t].emplace_back(events.begin() + first,
                              events.begin() + first + plan.batch);
      }
    }
    std::atomic<bool> failed{false};
    const double seconds = RunAppenders(plan, [&](int t) {
      for (auto& batch : input[t]) {
        auto ticket = log.Submit(std::move(batch), absl::Seconds(60));
        if (!ticket.ok() || !(*ticket)->Wait().ok()) failed = true;
      }
    });
    log.Stop();
    if (failed) {
      state.SkipWithError("append failed");
      return;
    }
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * plan.events());
  ReportCpu(state, plan, "EventLog");
}

void BM_RocksLog(benchmark::State& state) {
  const Plan plan = MakePlan(state);
  g_cpu_seconds = 0;
  const auto& events = Events();
  for (auto _ : state) {
    ScratchDir dir;
    auto store = OpenStore(dir.path);
    if (store == nullptr) {
      state.SkipWithError("cannot open a store");
      return;
    }
    rocksdb::ColumnFamilyHandle* cf = store->handle(storage::Cf::kLog);
    std::atomic<uint64_t> next_sequence{1};
    std::atomic<bool> failed{false};
    const double seconds = RunAppenders(plan, [&](int t) {
      for (int c = 0; c < plan.calls_per_appender; ++c) {
        const size_t first = plan.first_event(t, c);
        // Sequences in call order, as a writer that numbers under a lock.
        uint64_t seq = next_sequence.fetch_add(plan.batch);
        rocksdb::WriteBatch batch;
        for (int i = 0; i < plan.batch; ++i) {
          batch.Put(cf, SequenceKey(seq++),
                    EncodeLogRecord(0, events[first + i]));
        }
        if (!store->Write(&batch, /*sync=*/true).ok()) failed = true;
      }
    });
    if (failed) {
      state.SkipWithError("write failed");
      return;
    }
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * plan.events());
  ReportCpu(state, plan, "RocksLog");
}

void RunSegmentLog(benchmark::State& state, bool prepared) {
  const Plan plan = MakePlan(state);
  g_cpu_seconds = 0;
  const auto& events = Events();
  double groups = 0;
  for (auto _ : state) {
    ScratchDir dir;
    SegmentLogOptions options;
    options.sync = true;
    options.prepare_segments = prepared;
    auto log = SegmentLog::Open(dir.path + "/log", options);
    if (!log.ok()) {
      state.SkipWithError("cannot open the segment log");
      return;
    }
    std::atomic<bool> failed{false};
    const double seconds = RunAppenders(plan, [&](int t) {
      std::vector<std::string> payloads(plan.batch);
      for (int c = 0; c < plan.calls_per_appender; ++c) {
        const size_t first = plan.first_event(t, c);
        for (int i = 0; i < plan.batch; ++i) {
          payloads[i].clear();
          const auto& e = events[first + i];
          // EncodeLogRecord without a fresh string per event.
          PutFixed64(&payloads[i], 0);
          e.AppendToString(&payloads[i]);
        }
        if (!(*log)->Append(payloads).ok()) failed = true;
      }
    });
    if (failed) {
      state.SkipWithError("append failed");
      return;
    }
    state.SetIterationTime(seconds);
    groups = static_cast<double>((*log)->stats().groups);
  }
  state.SetItemsProcessed(state.iterations() * plan.events());
  ReportCpu(state, plan, prepared ? "SegmentLog" : "SegmentLogUnprepared");
  state.counters["fdatasyncs"] = groups;
  state.counters["ev_per_sync"] =
      groups > 0 ? static_cast<double>(plan.events()) / groups : 0;
}

// The segment log as riskflowd runs it: segments prepared zero-filled
// (segment_preparer.h).
void BM_SegmentLog(benchmark::State& state) { RunSegmentLog(state, true); }
// The same with files created empty and grown by every group: the
// baseline of the prepared files' gain, in the same run.
void BM_SegmentLogUnprepared(benchmark::State& state) {
  RunSegmentLog(state, false);
}

void AppendArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"appenders", "batch"});
  for (int batch : {1, 1000}) {
    for (int appenders : {1, 4, 16}) b->Args({appenders, batch});
  }
  b->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
}

BENCHMARK(BM_EventLog)->Apply(AppendArgs);
BENCHMARK(BM_RocksLog)->Apply(AppendArgs);
BENCHMARK(BM_SegmentLog)->Apply(AppendArgs);
BENCHMARK(BM_SegmentLogUnprepared)->Apply(AppendArgs);

// ---- Scans: 200,000 logged events, written once per process. ----

struct Filled {
  ScratchDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<SegmentLog> log;
  bool ok = false;
};

Filled* g_filled = nullptr;

// Removes the filled logs' directory (called once every benchmark ran).
void DeleteFilledLogs() {
  delete g_filled;
  g_filled = nullptr;
}

Filled& FilledLogs() {
  if (g_filled != nullptr) return *g_filled;
  g_filled = [] {
    auto* f = new Filled();
    f->store = OpenStore(f->dir.path + "/rocks");
    SegmentLogOptions options;
    options.sync = false;
    options.segment_bytes = 4 << 20;  // several segments, for the open bench
    auto log = SegmentLog::Open(f->dir.path + "/segments", options);
    if (f->store == nullptr || !log.ok()) return f;
    f->log = std::move(*log);
    const auto& events = Events();
    uint64_t seq = 1;
    for (size_t i = 0; i < events.size(); i += 1000) {
      rocksdb::WriteBatch batch;
      std::vector<std::string> payloads;
      for (size_t j = i; j < std::min(events.size(), i + 1000); ++j) {
        payloads.push_back(EncodeLogRecord(0, events[j]));
        batch.Put(f->store->handle(storage::Cf::kLog), SequenceKey(seq++),
                  payloads.back());
      }
      if (!f->store->Write(&batch, false).ok()) return f;
      if (!f->log->Append(payloads).ok()) return f;
    }
    // The log CF as a long-running daemon has it: in table files.
    f->ok = f->store->Flush().ok();
    return f;
  }();
  return *g_filled;
}

void BM_ScanRocksRaw(benchmark::State& state) {
  Filled& f = FilledLogs();
  if (!f.ok) {
    state.SkipWithError("cannot fill the logs");
    return;
  }
  int64_t n = 0;
  for (auto _ : state) {
    uint64_t bytes = 0;
    auto it = f.store->NewIterator(storage::Cf::kLog);
    for (it->Seek(SequenceKey(1)); it->Valid(); it->Next()) {
      bytes += it->value().size();
      ++n;
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(n);
}

void BM_ScanSegmentRaw(benchmark::State& state) {
  Filled& f = FilledLogs();
  if (!f.ok) {
    state.SkipWithError("cannot fill the logs");
    return;
  }
  int64_t n = 0;
  for (auto _ : state) {
    uint64_t bytes = 0;
    auto s = f.log->Scan(1, [&](uint64_t, std::string_view p) {
      bytes += p.size();
      ++n;
      return true;
    });
    if (!s.ok()) {
      state.SkipWithError("scan failed");
      return;
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(n);
}

void BM_ScanRocksDecoded(benchmark::State& state) {
  Filled& f = FilledLogs();
  if (!f.ok) {
    state.SkipWithError("cannot fill the logs");
    return;
  }
  EventLog log(f.store.get(), EventLog::Options(),
               [](std::vector<LoggedEvent>) {});
  if (!log.Open().ok()) {
    state.SkipWithError("cannot open the event log");
    return;
  }
  int64_t n = 0;
  for (auto _ : state) {
    int64_t amount = 0;
    auto s = log.Scan(0, [&](LoggedEvent&& e) {
      amount += e.event.amount_minor();
      ++n;
      return true;
    });
    if (!s.ok()) {
      state.SkipWithError("scan failed");
      return;
    }
    benchmark::DoNotOptimize(amount);
  }
  state.SetItemsProcessed(n);
}

void BM_ScanSegmentDecoded(benchmark::State& state) {
  Filled& f = FilledLogs();
  if (!f.ok) {
    state.SkipWithError("cannot fill the logs");
    return;
  }
  int64_t n = 0;
  for (auto _ : state) {
    int64_t amount = 0;
    bool bad = false;
    auto s = f.log->Scan(1, [&](uint64_t seq, std::string_view p) {
      LoggedEvent e;
      e.sequence = seq;
      if (!DecodeLogRecord(p, &e).ok()) bad = true;
      amount += e.event.amount_minor();
      ++n;
      return true;
    });
    if (!s.ok() || bad) {
      state.SkipWithError("scan failed");
      return;
    }
    benchmark::DoNotOptimize(amount);
  }
  state.SetItemsProcessed(n);
}

// Reopening the filled segment log (what recovery pays before it can read):
// index_files 1 takes the sealed segments' .idx files and scans only the
// last segment; 0 reads and CRC-checks every record.
void BM_OpenSegmentLog(benchmark::State& state) {
  Filled& f = FilledLogs();
  if (!f.ok) {
    state.SkipWithError("cannot fill the logs");
    return;
  }
  SegmentLogOptions options;
  options.persist_index = state.range(0) != 0;
  options.segment_bytes = 4 << 20;
  int64_t n = 0;
  double segments = 0;
  for (auto _ : state) {
    auto log = SegmentLog::Open(f.dir.path + "/segments", options);
    if (!log.ok()) {
      state.SkipWithError("open failed");
      return;
    }
    n += static_cast<int64_t>((*log)->open_report().records);
    segments = static_cast<double>((*log)->open_report().segments);
  }
  state.SetItemsProcessed(n);
  state.counters["segments"] = segments;
}

BENCHMARK(BM_OpenSegmentLog)
    ->ArgName("index_files")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ScanRocksRaw)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanSegmentRaw)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanRocksDecoded)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanSegmentDecoded)->Unit(benchmark::kMillisecond);

void PrintRatios(const riskflow::bench::RateReporter::Rates& rates) {
  DeleteFilledLogs();
  auto rate = [&](const std::string& fn, const std::string& args) {
    auto f = rates.find(fn);
    if (f == rates.end()) return 0.0;
    auto a = f->second.find(args);
    return a == f->second.end() ? 0.0 : a->second;
  };
  std::printf("\nCRC32C: %s\n", Crc32cIsHardware() ? "SSE4.2" : "portable");
  std::printf(
      "\nappend, events/s (durable on return)   EventLog    RocksLog  "
      "SegmentLog  seg/EventLog  seg/RocksLog\n");
  auto seg = rates.find("BM_SegmentLog");
  if (seg != rates.end()) {
    for (const auto& [args, s] : seg->second) {
      const double a = rate("BM_EventLog", args);
      const double r = rate("BM_RocksLog", args);
      std::printf("  %-36s %10.0f  %10.0f  %10.0f  %11.2fx  %11.2fx\n",
                  args.c_str(), a, r, s, a > 0 ? s / a : 0.0,
                  r > 0 ? s / r : 0.0);
    }
  }
  if (seg != rates.end()) {
    std::printf("\nappend, prepared segment files vs files grown by each "
                "group (events/s)\n");
    for (const auto& [args, s] : seg->second) {
      const double u = rate("BM_SegmentLogUnprepared", args);
      std::printf("  %-36s %10.0f  %10.0f  %11.2fx\n", args.c_str(), s, u,
                  u > 0 ? s / u : 0.0);
    }
  }
  std::printf(
      "\nappend, process CPU us per event (median)  EventLog  RocksLog  "
      "SegmentLog  seg/EventLog  seg/RocksLog\n");
  auto& cpu = CpuPerEvent();
  for (const auto& [args, reps] : cpu["SegmentLog"]) {
    const double s = Median(reps);
    const double a = Median(cpu["EventLog"][args]);
    const double r = Median(cpu["RocksLog"][args]);
    std::printf("  %-36s %9.2f %9.2f %11.2f %12.2fx %12.2fx\n", args.c_str(), a,
                r, s, a > 0 ? s / a : 0.0, r > 0 ? s / r : 0.0);
  }
  std::printf("\nscan, events/s                          RocksDB    Segment  "
              "seg/RocksDB\n");
  for (const char* mode : {"Raw", "Decoded"}) {
    const double r = rate(std::string("BM_ScanRocks") + mode, "");
    const double s = rate(std::string("BM_ScanSegment") + mode, "");
    if (r == 0 && s == 0) continue;  // filtered out
    std::printf("  %-36s %10.0f %10.0f  %10.2fx\n", mode, r, s,
                r > 0 ? s / r : 0.0);
  }
  const double full = rate("BM_OpenSegmentLog", "index_files:0");
  const double indexed = rate("BM_OpenSegmentLog", "index_files:1");
  if (full > 0 || indexed > 0) {
    std::printf(
        "\nopen, logged events/s: full scan %.0f, with .idx files %.0f "
        "(%.1fx)\n",
        full, indexed, full > 0 ? indexed / full : 0.0);
  }
}

}  // namespace
}  // namespace riskflow::log::segment

int main(int argc, char** argv) {
  return riskflow::bench::RunWithRatios(
      argc, argv, riskflow::log::segment::PrintRatios);
}
