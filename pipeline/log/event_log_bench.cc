// The event log as replay runs it (sync = false, store_records = false, a
// store without WAL): N events with random UUID-like ids in batches of 1000,
// all queued at once, through the store's exact idempotency index (budget 0)
// and through the in-memory index (budget > 0; a budget below N spills).
//
//   bazel run //pipeline/log:event_log_bench
//
// Args: events / memory_id_index_entries. Each iteration opens a fresh
// store; only Submit..last Wait is timed. After the table it prints how many
// times faster each in-memory configuration is than the store index.

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "benchmark/benchmark.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/id_index.h"
#include "pipeline/storage/store.h"
#include "tools/bench/rate_reporter.h"

namespace riskflow::log {
namespace {

constexpr int kBatch = 1000;

std::string RandomUuid(std::mt19937_64& rng) {
  static const char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    id[i] = kHex[rng() & 15];
  }
  return id;
}

// The same stream for every run, so the modes see identical input.
const std::vector<std::vector<riskflow::v1::Event>>& Batches(int64_t events) {
  static std::map<int64_t, std::vector<std::vector<riskflow::v1::Event>>>
      cache;
  auto& batches = cache[events];
  if (!batches.empty()) return batches;
  std::mt19937_64 rng(42);
  for (int64_t i = 0; i < events; i += kBatch) {
    std::vector<riskflow::v1::Event> batch;
    for (int64_t j = i; j < std::min<int64_t>(events, i + kBatch); ++j) {
      riskflow::v1::Event e;
      e.set_event_id(RandomUuid(rng));
      e.set_channel_id("card");
      e.set_type(riskflow::v1::PAYMENT);
      e.set_event_time_ms(1700000000000 + j * 10);
      e.set_account_id("acct-" + std::to_string(rng() % 100000));
      e.set_amount_minor(100 + static_cast<int64_t>(rng() % 100000));
      e.set_currency("CNY");
      batch.push_back(std::move(e));
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

struct ScratchStore {
  std::string dir;
  std::unique_ptr<storage::Store> store;

  bool Open() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/rf_log_bench_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) return false;
    dir = buf.data();
    storage::StoreOptions options;
    options.disable_wal = true;  // as replay's scratch stores
    auto s = storage::Store::Open(dir, options);
    if (!s.ok()) return false;
    store = std::move(*s);
    return true;
  }
  ~ScratchStore() {
    store.reset();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

void BM_AppendReplayLog(benchmark::State& state) {
  const int64_t events = state.range(0);
  const size_t memory_entries = static_cast<size_t>(state.range(1));
  const auto& batches = Batches(events);
  double spills = 0;
  double index_mb = 0;
  double bytes_per_entry = 0;
  for (auto _ : state) {
    ScratchStore scratch;
    if (!scratch.Open()) {
      state.SkipWithError("cannot open a scratch store");
      return;
    }
    EventLog::Options options;
    options.sync = false;
    options.store_records = false;
    options.memory_id_index_entries = memory_entries;
    EventLog log(scratch.store.get(), options, [](std::vector<LoggedEvent>) {});
    if (!log.Open().ok()) {
      state.SkipWithError("cannot open the log");
      return;
    }
    log.Start();
    auto input = batches;  // Submit consumes its events; copy untimed.

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<AppendTicket>> tickets;
    for (auto& batch : input) {
      auto ticket = log.Submit(std::move(batch), absl::Seconds(60));
      if (!ticket.ok()) {
        state.SkipWithError("submit failed");
        return;
      }
      tickets.push_back(*ticket);
    }
    for (auto& ticket : tickets) {
      if (!ticket->Wait().ok()) {
        state.SkipWithError("append failed");
        return;
      }
    }
    const auto end = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());

    log.Stop();
    if (const MemoryIdIndex* index = log.memory_id_index()) {
      spills = static_cast<double>(index->spills());
      index_mb = static_cast<double>(index->memory_bytes()) / 1e6;
      // Per entry of a full table: after a spill the table is reserved at
      // the budget, so divide by that, not by what it holds right now.
      const size_t entries =
          index->spills() > 0 ? index->max_memory_entries() : index->size();
      if (entries > 0) {
        bytes_per_entry = static_cast<double>(index->memory_bytes()) /
                          static_cast<double>(entries);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * events);
  state.counters["spills"] = spills;
  state.counters["index_MB"] = index_mb;
  state.counters["B_per_entry"] = bytes_per_entry;
}

BENCHMARK(BM_AppendReplayLog)
    ->ArgNames({"events", "mem_entries"})
    ->Args({200000, 0})
    ->Args({200000, 1 << 20})
    ->Args({200000, 50000})
    ->Args({1000000, 0})
    ->Args({1000000, 1 << 21})
    ->Args({1000000, 300000})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

}  // namespace
}  // namespace riskflow::log

int main(int argc, char** argv) {
  return riskflow::bench::RunWithRatios(
      argc, argv, [](const riskflow::bench::RateReporter::Rates& rates) {
        // args look like "events:200000/mem_entries:0"; regroup by events.
        std::map<std::string, std::map<std::string, double>> by_events;
        for (const auto& [function, runs] : rates) {
          for (const auto& [args, rate] : runs) {
            const size_t slash = args.find('/');
            by_events[args.substr(0, slash)][args.substr(slash + 1)] = rate;
          }
        }
        std::printf("\nin-memory index vs store index (events/s):\n");
        for (const auto& [events, by_budget] : by_events) {
          auto base = by_budget.find("mem_entries:0");
          if (base == by_budget.end() || base->second <= 0) continue;
          for (const auto& [budget, rate] : by_budget) {
            if (budget == base->first) continue;
            std::printf("  %-15s %-20s %10.0f vs %10.0f = %.2fx\n",
                        events.c_str(), budget.c_str(), rate, base->second,
                        rate / base->second);
          }
        }
      });
}
