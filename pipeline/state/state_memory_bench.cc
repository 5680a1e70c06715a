// How many bytes of hot state an active account costs in the shard cache,
// and how much RSS a shard needs when a cache budget forces eviction.
//
// The real detectors (dlopen'ed plugins, the engine's plugin host) run over
// an event stream against one ShardState on a real RocksDB store, the way a
// shard does: SetWatermark per event, FlushTo + write + Trim every
// micro-batch. Then:
//   hot bytes   = jemalloc stats.allocated before - after ShardState::DropAll
//   plain bytes = stats.allocated growth while the same logical values
//                 (every bucket value, distinct member, last-seen value;
//                 no empty entries, no pending deltas) are copied into a plain absl::flat_hash_map<std::string,
//                 PlainValues> keyed by state prefix (id | len | entity)
// both divided by the accounts the stream touched. Allocation counts are
// jemalloc size classes, i.e. what the process really pays.
//
//   bazel run -c opt //pipeline/state:state_memory_bench --
//       --pipelines=default,all --accounts=100000
//   # RSS with eviction: one configuration per process
//   bazel run -c opt //pipeline/state:state_memory_bench -- --mode=rss
//       --stream=uniform --pipelines=default --accounts=1000000
//       --events_per_account=3 --max_entities=200000
//
// Streams: "datagen" (tools/datagen: realistic sessions, balance snapshots,
// salaries, anomalies; its schedule costs memory per account, which the
// byte figures exclude because they are deltas) or "uniform" (O(1) memory:
// loadgen-like payments, payouts, transfers and logins for uniformly random
// accounts; for RSS).
#include <malloc.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_inspector.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "rocksdb/write_batch.h"
#include "tools/datagen/generator.h"

ABSL_FLAG(std::string, mode, "bytes",
          "bytes: hot bytes per account vs a plain flat_hash_map; rss: peak "
          "and final RSS of one run");
ABSL_FLAG(std::string, pipelines, "default,all",
          "comma list: default (the embedded default pipeline), all "
          "(--all_config)");
ABSL_FLAG(std::string, all_config, "pipeline/config/all_detectors.yaml",
          "the all-detectors pipeline file");
ABSL_FLAG(std::string, stream, "datagen", "datagen or uniform");
ABSL_FLAG(uint32_t, accounts, 100000, "accounts in the stream");
ABSL_FLAG(uint32_t, days, 1, "datagen: days of traffic");
ABSL_FLAG(double, events_per_account_per_day, 8, "datagen: benign rate");
ABSL_FLAG(double, events_per_account, 3, "uniform: events per account");
ABSL_FLAG(int64_t, stream_ms, 3600 * 1000, "uniform: event time covered");
ABSL_FLAG(uint64_t, max_entities, 0,
          "ShardState max_cached_entities (0: no eviction)");
ABSL_FLAG(uint64_t, budget_mb, 0,
          "ShardState memory budget in MiB (0: none; rss mode)");
ABSL_FLAG(int, batch, 2048, "events per micro-batch (FlushTo + Trim)");
ABSL_FLAG(int, reps, 1, "repetitions (bytes mode; medians printed)");

// jemalloc when linked (cc_binary.malloc), glibc's mallinfo2 otherwise.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp,
                       void* newp, size_t newlen) __attribute__((weak));

namespace riskflow::state {
namespace {

size_t Allocated() {
  if (mallctl != nullptr) {
    mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    mallctl("stats.allocated", &allocated, &sz, nullptr, 0);
    return allocated;
  }
  return mallinfo2().uordblks;
}

// The shard's own CPU time: the machine may be shared, wall time is not.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// VmRSS and VmHWM in KiB.
std::pair<long, long> Rss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  long rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) hwm = atol(line.c_str() + 6);
  }
  return {rss, hwm};
}

// What a straightforward implementation would keep per (state, entity).
struct PlainValues {
  std::vector<std::pair<int64_t, int64_t>> buckets;
  std::vector<std::pair<int64_t, std::string>> members;
  int64_t last_t = 0;
  std::string last_value;
};

// An event source: false at the end.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual bool Next(riskflow::v1::Event* e) = 0;
};

class DatagenStream : public Stream {
 public:
  explicit DatagenStream(uint32_t accounts) {
    datagen::GeneratorOptions o;
    o.accounts = accounts;
    o.days = absl::GetFlag(FLAGS_days);
    o.events_per_account_per_day = absl::GetFlag(FLAGS_events_per_account_per_day);
    gen_ = std::make_unique<datagen::Generator>(o);
  }
  bool Next(riskflow::v1::Event* e) override { return gen_->Next(e); }

 private:
  std::unique_ptr<datagen::Generator> gen_;
};

// loadgen-like traffic with no per-account memory: every field is a
// function of (account, event number).
class UniformStream : public Stream {
 public:
  explicit UniformStream(uint32_t accounts)
      : accounts_(accounts),
        total_(static_cast<uint64_t>(accounts *
                                     absl::GetFlag(FLAGS_events_per_account))),
        step_ms_(std::max<int64_t>(
            1, absl::GetFlag(FLAGS_stream_ms) /
                   static_cast<int64_t>(std::max<uint64_t>(1, total_)))) {}

  bool Next(riskflow::v1::Event* e) override {
    if (i_ >= total_) return false;
    const uint64_t i = i_++;
    const uint64_t r = Mix(i);
    const uint64_t a = r % accounts_;
    const uint64_t ra = Mix(a + 0x9e37);
    static const char* kCcy[] = {"CNY", "USD", "EUR"};
    static const char* kCountry[] = {"CN", "US", "DE"};
    const int home = static_cast<int>(ra % 3);
    e->Clear();
    e->set_event_id(absl::StrCat("u", i));
    e->set_channel_id("bench");
    e->set_event_time_ms(start_ms_ + static_cast<int64_t>(i) * step_ms_);
    e->set_account_id(absl::StrCat("acct-", a));
    const uint64_t kind = (r >> 32) % 100;
    using riskflow::v1::EventType;
    EventType type = kind < 70   ? riskflow::v1::PAYMENT
                     : kind < 80 ? riskflow::v1::PAYOUT
                     : kind < 88 ? riskflow::v1::TRANSFER
                                 : riskflow::v1::LOGIN;
    e->set_type(type);
    e->set_country(kCountry[home]);
    e->set_latitude(home == 0 ? 31.2 : home == 1 ? 40.7 : 52.5);
    e->set_longitude(home == 0 ? 121.5 : home == 1 ? -74.0 : 13.4);
    e->set_ip(absl::StrCat("100.64.", ra % 256, ".", (ra >> 8) % 254 + 1));
    e->set_device_id(absl::StrCat("dev-", a));
    if (type != riskflow::v1::LOGIN) {
      // A handful of usual counterparties per account, heavy-tailed amounts.
      e->set_counterparty(absl::StrCat("m-", (ra + (r >> 40) % 5) % 50000));
      e->set_counterparty_country(kCountry[home]);
      e->set_currency(kCcy[home]);
      const uint64_t mag = (r >> 20) % 1000;
      e->set_amount_minor(static_cast<int64_t>(
          100 + (mag * mag * mag) / 100 + (r >> 50) % 1000));
    }
    return true;
  }

 private:
  static uint64_t Mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  const uint32_t accounts_;
  const uint64_t total_;
  const int64_t step_ms_;
  const int64_t start_ms_ = 1767225600000;
  uint64_t i_ = 0;
};

struct TempDir {
  std::string path;
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/rf_statemem_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) path = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

struct Result {
  uint64_t events = 0, accounts = 0, entries = 0, buckets = 0, members = 0,
           lasts = 0, evictions = 0, cached = 0;
  size_t hot_bytes = 0, plain_bytes = 0, estimate_bytes = 0;
  double seconds = 0, cpu_seconds = 0;
  long rss_kb = 0, hwm_kb = 0;
};

absl::StatusOr<riskflow::v1::PipelineConfig> ConfigFor(const std::string& p) {
  if (p == "default") {
    return config::ParsePipelineYaml(config::DefaultPipelineYaml());
  }
  if (p == "all") return config::LoadPipelineFile(absl::GetFlag(FLAGS_all_config));
  return absl::InvalidArgumentError(absl::StrCat("--pipelines: unknown '", p,
                                                 "' (default or all)"));
}

absl::StatusOr<Result> RunOnce(const std::string& pipeline_name,
                               bool measure_bytes) {
  auto config = ConfigFor(pipeline_name);
  if (!config.ok()) return config.status();
  TempDir dir;
  if (dir.path.empty()) return absl::InternalError("mkdtemp failed");
  storage::StoreOptions so;
  so.disable_wal = true;
  so.name = "statemem";
  auto store = OpenStateStore(dir.path, so);
  if (!store.ok()) return store.status();
  const uint64_t max_entities = absl::GetFlag(FLAGS_max_entities);
  constexpr int64_t kLatenessMs = 5 * 60 * 1000;
  ShardState state(store->get(),
                   max_entities == 0 ? SIZE_MAX : max_entities, kLatenessMs);
  state.SetMemoryBudget(absl::GetFlag(FLAGS_budget_mb) << 20);
  auto pipeline = plugin_host::Pipeline::Load(
      *config, plugin_host::DefaultPluginSearchPath());
  if (!pipeline.ok()) return pipeline.status();
  auto detectors = (*pipeline)->Instantiate(&state, store->get());
  if (!detectors.ok()) return detectors.status();

  const uint32_t accounts = absl::GetFlag(FLAGS_accounts);
  std::unique_ptr<Stream> stream;
  if (absl::GetFlag(FLAGS_stream) == "uniform") {
    stream = std::make_unique<UniformStream>(accounts);
  } else {
    stream = std::make_unique<DatagenStream>(accounts);
  }

  Result r;
  // Kept only to count active accounts; allocated before the first
  // measurement, so not part of any delta.
  absl::flat_hash_set<std::string> seen;
  if (measure_bytes) seen.reserve(accounts);
  log::LoggedEvent logged;
  riskflow::v1::Decision decision;
  int64_t max_time = INT64_MIN;
  const int batch_events = absl::GetFlag(FLAGS_batch);
  int in_batch = 0;
  auto commit = [&]() -> absl::Status {
    rocksdb::WriteBatch batch;
    state.FlushTo(&batch);
    if (absl::Status s = (*store)->Write(&batch, /*sync=*/false); !s.ok()) {
      return s;
    }
    state.Trim();
    in_batch = 0;
    return absl::OkStatus();
  };
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ThreadCpuSeconds();
  while (stream->Next(&logged.event)) {
    max_time = std::max(max_time, logged.event.event_time_ms());
    logged.sequence = ++r.events;
    logged.watermark_ms = max_time - kLatenessMs;
    if (measure_bytes) seen.insert(logged.event.account_id());
    state.SetWatermark(logged.watermark_ms);
    decision.Clear();
    (*detectors)->Run(logged, &decision);
    if (++in_batch >= batch_events) {
      if (absl::Status s = commit(); !s.ok()) return s;
    }
  }
  if (absl::Status s = commit(); !s.ok()) return s;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                  .count();
  r.cpu_seconds = ThreadCpuSeconds() - cpu_start;
  r.accounts = measure_bytes ? seen.size() : accounts;
  r.estimate_bytes = state.stats().bytes;
  r.evictions = state.stats().evictions;
  r.cached = state.stats().entities;
  std::tie(r.rss_kb, r.hwm_kb) = Rss();
  if (!measure_bytes) return r;

  // Quiesce RocksDB's background threads so only this thread allocates.
  if (absl::Status s = (*store)->Flush(); !s.ok()) return s;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  const size_t with_state = Allocated();
  {
    absl::flat_hash_map<std::string, PlainValues> plain;
    ShardStateInspector::ForEach(state, [&](const CachedValues& v) {
      // Values only: an empty (state, entity) holds nothing to keep.
      if (v.buckets.empty() && v.members.empty() && !v.has_last) return;
      std::string key = EntityPrefix(v.state_id, v.entity);
      PlainValues& p = plain[key];
      for (const auto& b : v.buckets) p.buckets.push_back(b);
      for (const auto& m : v.members) {
        p.members.emplace_back(m.first, std::string(m.second));
      }
      if (v.has_last) {
        p.last_t = v.last_t;
        p.last_value.assign(v.last_value.data(), v.last_value.size());
      }
    });
    const size_t with_plain = Allocated();
    r.plain_bytes = with_plain - with_state;
  }
  ShardStateInspector::ForEach(state, [&](const CachedValues& v) {
    ++r.entries;
    r.buckets += v.buckets.size();
    r.members += v.members.size();
    r.lasts += v.has_last ? 1 : 0;
  });
  const size_t before_drop = Allocated();
  state.DropAll();
  const size_t after_drop = Allocated();
  r.hot_bytes = before_drop - after_drop;
  return r;
}

template <typename T>
T Median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const bool bytes = mode == "bytes";
  if (!bytes && mode != "rss") {
    fprintf(stderr, "--mode: unknown '%s' (bytes or rss)\n", mode.c_str());
    return 2;
  }
  printf("allocator: %s\n", mallctl != nullptr ? "jemalloc" : "glibc");
  const std::vector<std::string> names = absl::StrSplit(
      absl::GetFlag(FLAGS_pipelines), ',', absl::SkipEmpty());
  for (const std::string& name : names) {
    std::vector<Result> runs;
    const int reps = bytes ? std::max(1, absl::GetFlag(FLAGS_reps)) : 1;
    for (int i = 0; i < reps; ++i) {
      auto r = RunOnce(name, bytes);
      if (!r.ok()) {
        fprintf(stderr, "%s: %s\n", name.c_str(),
                std::string(r.status().message()).c_str());
        return 1;
      }
      runs.push_back(*r);
    }
    const Result& r = runs.front();
    std::vector<double> secs, hot, plain;
    for (const Result& x : runs) {
      secs.push_back(x.cpu_seconds);
      hot.push_back(static_cast<double>(x.hot_bytes));
      plain.push_back(static_cast<double>(x.plain_bytes));
    }
    // Events per second of the shard thread's CPU time (detectors, cache,
    // commits; not RocksDB's background threads).
    const double ev_s = r.events / Median(secs);
    if (bytes) {
      const double per_hot = Median(hot) / r.accounts;
      const double per_plain = Median(plain) / r.accounts;
      printf(
          "pipeline=%s stream=%s accounts=%lu events=%lu entries=%lu "
          "buckets=%lu members=%lu last=%lu | hot %.1f B/account, plain "
          "flat_hash_map %.1f B/account, ratio %.2fx, Stats::bytes %.1f "
          "B/account | %.0f ev/cpu-s (median of %d)\n",
          name.c_str(), absl::GetFlag(FLAGS_stream).c_str(), r.accounts,
          r.events, r.entries, r.buckets, r.members, r.lasts, per_hot,
          per_plain, per_hot / per_plain,
          static_cast<double>(r.estimate_bytes) / r.accounts, ev_s, reps);
    } else {
      printf(
          "pipeline=%s stream=%s accounts=%lu events=%lu max_entities=%lu "
          "budget_mb=%lu evictions=%lu entities=%lu | RSS %.0f MiB, peak RSS "
          "%.0f MiB | %.0f ev/cpu-s, %.0f s wall\n",
          name.c_str(), absl::GetFlag(FLAGS_stream).c_str(), r.accounts,
          r.events, absl::GetFlag(FLAGS_max_entities),
          absl::GetFlag(FLAGS_budget_mb), r.evictions, r.cached,
          r.rss_kb / 1024.0, r.hwm_kb / 1024.0, ev_s, r.seconds);
    }
    fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace riskflow::state

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return riskflow::state::Main();
}
