// The horizon idempotency index as the event log's writer drives it: groups
// of 1000 new ids, each looked up first (a miss: every logged id is new) and
// then appended, past the horizon so eviction runs too. Prints the median
// Append cost per id, the slowest single Append and the slowest group (the
// writer stalls — and every ack with it — for that long), lookup costs
// (miss and hit), bytes per remembered id, and Rebuild times from chunk files
// and from a log scan.
//
//   bazel run -c opt //pipeline/log:horizon_id_index_bench -- \
//       [events=12000000] [horizon=10000000]
//
// Uses only the index's public API so it builds against older versions too
// (docs/segment-log.md, "The idempotency index without rehash").

#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "pipeline/log/horizon_id_index.h"

namespace riskflow::log {
namespace {

using Clock = std::chrono::steady_clock;

double Ns(Clock::duration d) {
  return std::chrono::duration<double, std::nano>(d).count();
}

// This thread's CPU time: a group's cost without the time the (shared,
// busy) machine had it descheduled; page faults count.
Clock::duration ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

int Run(uint64_t events, uint64_t horizon) {
  std::mt19937_64 rng(42);
  std::vector<IdFingerprint> fps(events);
  for (auto& fp : fps) fp = IdFingerprint{rng(), rng()};
  auto hash = [](uint64_t seq) { return seq * 0x9E3779B97F4A7C15ull; };

  std::string dir = "/tmp/horizon_bench_XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return 1;
  HorizonIdIndexOptions options;
  options.horizon_events = horizon;
  options.checkpoint_dir = dir + "/ids";
  options.log_line = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  constexpr uint64_t kGroup = 1000;
  std::vector<double> group_append_ns_per_id;
  std::vector<double> group_lookup_ns_per_id;
  double max_append_ns = 0, max_group_ns = 0, max_group_cpu_ns = 0;
  uint64_t appends_over_1ms = 0;
  size_t peak_bytes = 0, peak_size = 0;
  uint64_t misses_found = 0;
  {
    HorizonIdIndex index(options);
    auto empty_scan = [](uint64_t, const HorizonIdIndex::Visit&) {
      return absl::OkStatus();
    };
    if (!index.Rebuild(1, 0, empty_scan).ok()) return 1;
    for (uint64_t start = 0; start < events; start += kGroup) {
      const uint64_t end = std::min(events, start + kGroup);
      const auto c0 = ThreadCpu();
      const auto g0 = Clock::now();
      for (uint64_t i = start; i < end; ++i) {
        misses_found += index.Lookup(fps[i]).has_value();
      }
      const auto g1 = Clock::now();
      for (uint64_t i = start; i < end; ++i) {
        const auto a0 = Clock::now();
        index.Append(i + 1, fps[i], hash(i + 1));
        const double ns = Ns(Clock::now() - a0);
        max_append_ns = std::max(max_append_ns, ns);
        appends_over_1ms += ns > 1e6;
      }
      const auto g2 = Clock::now();
      max_group_cpu_ns = std::max(max_group_cpu_ns, Ns(ThreadCpu() - c0));
      group_lookup_ns_per_id.push_back(Ns(g1 - g0) / (end - start));
      group_append_ns_per_id.push_back(Ns(g2 - g1) / (end - start));
      max_group_ns = std::max(max_group_ns, Ns(g2 - g0));
      if (index.size() >= peak_size) {
        peak_size = index.size();
        peak_bytes = std::max(peak_bytes, index.memory_bytes());
      }
    }
    // Hits: random ids within the horizon.
    std::uniform_int_distribution<uint64_t> pick(
        events > horizon ? events - horizon : 0, events - 1);
    constexpr int kHits = 1'000'000;
    std::vector<uint64_t> picks(kHits);
    for (auto& p : picks) p = pick(rng);
    uint64_t found = 0;
    const auto h0 = Clock::now();
    for (uint64_t p : picks) found += index.Lookup(fps[p]).has_value();
    const double hit_ns = Ns(Clock::now() - h0) / kHits;
    // Misses on a full index.
    std::vector<IdFingerprint> fresh(kHits);
    for (auto& fp : fresh) fp = IdFingerprint{rng(), rng()};
    const auto m0 = Clock::now();
    for (const auto& fp : fresh) found += 2 * index.Lookup(fp).has_value();
    const double miss_ns = Ns(Clock::now() - m0) / kHits;

    std::printf("events %llu horizon %llu chunk %llu\n",
                static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(horizon),
                static_cast<unsigned long long>(index.chunk_events()));
    std::printf("append ns/id (median of groups)   %8.1f\n",
                Median(group_append_ns_per_id));
    std::printf("lookup-miss ns/id in the writer   %8.1f (median of groups)\n",
                Median(group_lookup_ns_per_id));
    std::printf("slowest single Append             %8.3f ms\n",
                max_append_ns / 1e6);
    std::printf("appends over 1 ms                 %8llu\n",
                static_cast<unsigned long long>(appends_over_1ms));
    std::printf("slowest group (1000 lookups+appends) %5.3f ms wall, "
                "%.3f ms thread CPU\n",
                max_group_ns / 1e6, max_group_cpu_ns / 1e6);
    std::printf("lookup hit ns (full index)        %8.1f (found %llu of %d)\n",
                hit_ns, static_cast<unsigned long long>(found % (2 * kHits)),
                kHits);
    std::printf("lookup miss ns (full index)       %8.1f\n", miss_ns);
    std::printf("bytes/id at peak                  %8.1f (%zu B, %zu ids)\n",
                static_cast<double>(peak_bytes) / peak_size, peak_bytes,
                peak_size);
    if (misses_found != 0 || found != static_cast<uint64_t>(kHits)) {
      std::printf("WRONG: %llu false hits, %llu of %d hits\n",
                  static_cast<unsigned long long>(misses_found),
                  static_cast<unsigned long long>(found), kHits);
      return 1;
    }
    if (!index.Checkpoint().ok()) return 1;
  }
  // Rebuild: from the chunk files (+ an empty tail), then from a log scan.
  auto scan = [&](uint64_t after, const HorizonIdIndex::Visit& visit) {
    for (uint64_t s = after + 1; s <= events; ++s) {
      visit(s, fps[s - 1], hash(s));
    }
    return absl::OkStatus();
  };
  for (bool files : {true, false}) {
    HorizonIdIndexOptions o = options;
    if (!files) o.checkpoint_dir.clear();
    HorizonIdIndex index(o);
    const auto r0 = Clock::now();
    auto report = index.Rebuild(1, events, scan);
    const double ms = Ns(Clock::now() - r0) / 1e6;
    if (!report.ok()) return 1;
    std::printf("rebuild from %-11s %8.1f ms (%llu from files, %llu scanned)\n",
                files ? "chunk files" : "a log scan", ms,
                static_cast<unsigned long long>(report->from_checkpoint),
                static_cast<unsigned long long>(report->scanned));
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace riskflow::log

int main(int argc, char** argv) {
  const uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10)
                                   : 12'000'000;
  const uint64_t horizon = argc > 2 ? std::strtoull(argv[2], nullptr, 10)
                                    : 10'000'000;
  return riskflow::log::Run(events, horizon);
}
