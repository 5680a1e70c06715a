// replay_bench: replay throughput from a file versus the live gRPC path,
// measured in the same run on the same synthetic stream.
//
//   bazel build //pipeline/replay:replay_bench
//   bazel-bin/pipeline/replay/replay_bench --events=10000000
//       --live_events=1000000
//
// 1. writes --events synthetic events to a temporary file, and the first
//    --live_events of them to another (--format proto or jsonl; generation
//    is not timed). --stream=datagen (default): tools/datagen's realistic
//    stream (daily cycles, heavy tails, logins, snapshots, three channels,
//    labelled anomalies) over --accounts accounts; --stream=uniform: the
//    loadgen's simpler shape (uniform accounts, 2 ms apart);
// 2. replays the big file (Replayer::Run: read, validate, log without
//    fsync, engine, decisions to --out_format); events/s over the whole
//    run, from opening the stores to the renamed output;
// 3. replays the small file, then starts an in-process riskflowd (durable
//    acks, as in production) and publishes the same events over
//    Ingest.Publish (--streams x --window batches in flight); decided
//    events/s is the time until Admin.GetHealth reports everything acked
//    as decided.
// Prints each rate with the cores it kept busy, and replay/live (medians
// over --repeats rounds), for the big replay and for the same events.
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/delimited.h"
#include "pipeline/replay/replayer.h"
#include "pipeline/replay/state_dir.h"
#include "pipeline/server/daemon.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "tools/datagen/generator.h"

ABSL_FLAG(uint64_t, events, 10000000, "events replayed from the file");
ABSL_FLAG(uint64_t, live_events, 1000000,
          "events of the same stream sent live (0: skip the live run)");
ABSL_FLAG(std::string, format, "proto", "input file format: proto or jsonl");
ABSL_FLAG(std::string, out_format, "jsonl", "decision output: jsonl or proto");
ABSL_FLAG(uint32_t, shards, 0, "engine shards, both runs (0: cores)");
ABSL_FLAG(uint32_t, batch_size, 1000, "events per batch, both runs");
ABSL_FLAG(std::string, stream, "datagen",
          "datagen (tools/datagen's realistic stream) or uniform (the "
          "loadgen's shape)");
ABSL_FLAG(uint32_t, accounts, 200000, "distinct accounts");
ABSL_FLAG(uint64_t, seed, 42, "datagen seed");
ABSL_FLAG(int, streams, 2, "live: concurrent Publish streams");
ABSL_FLAG(int, window, 8, "live: unacknowledged batches per stream");
ABSL_FLAG(int, repeats, 1, "replay + live rounds; medians are reported");

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = ::riskflow::v1;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// User + system CPU of the whole process: with the rate, how many cores a
// run kept busy.
double CpuSeconds() {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void Die(const std::string& what) {
  std::fprintf(stderr, "replay_bench: %s\n", what.c_str());
  std::exit(1);
}

// The loadgen's traffic shape (tools/loadgen/synthetic_stream.cc): mostly
// payments, some payouts, transfers and logins, log-normal amounts.
class UniformStream {
 public:
  explicit UniformStream(uint32_t accounts)
      : account_(0, accounts - 1), kind_(0, 99), amount_(8.5, 1.6) {}

  void Next(uint64_t i, v1::Event* e) {
    static const char* kCurrencies[] = {"CNY", "CNY", "CNY", "USD", "EUR"};
    static const char* kChannels[] = {"card-acq-1", "wallet-app", "bank-rails"};
    e->Clear();
    e->set_event_id(absl::StrCat("rb-", i));
    e->set_channel_id(kChannels[i % 3]);
    e->set_event_time_ms(1767225600000 + static_cast<int64_t>(i) * 2);
    const uint32_t a = account_(rng_);
    e->set_account_id(absl::StrCat("acct-", a));
    const int k = kind_(rng_);
    if (k < 8) {
      e->set_type(v1::LOGIN);
      e->set_device_id(absl::StrCat("dev-", a % 50000));
      return;
    }
    e->set_type(k < 75 ? v1::PAYMENT : (k < 90 ? v1::PAYOUT : v1::TRANSFER));
    e->set_counterparty(absl::StrCat("merchant-", rng_() % 20000));
    e->set_amount_minor(static_cast<int64_t>(std::min(amount_(rng_), 5e8)));
    e->set_currency(kCurrencies[i % 5]);
    e->set_country("CN");
  }

 private:
  std::mt19937_64 rng_{42};
  std::uniform_int_distribution<uint32_t> account_;
  std::uniform_int_distribution<int> kind_;
  std::lognormal_distribution<double> amount_;
};

// The first n events of the --stream: the same n events on every call.
class Stream {
 public:
  explicit Stream(uint64_t n) {
    const uint32_t accounts = absl::GetFlag(FLAGS_accounts);
    if (absl::GetFlag(FLAGS_stream) == "uniform") {
      uniform_ = std::make_unique<UniformStream>(accounts);
      return;
    }
    if (absl::GetFlag(FLAGS_stream) != "datagen") {
      Die("--stream must be datagen or uniform");
    }
    riskflow::datagen::GeneratorOptions o;
    o.seed = absl::GetFlag(FLAGS_seed);
    o.accounts = accounts;
    o.merchants = std::max<uint32_t>(200, accounts / 10);
    // Days enough for the largest run, the same for every call, so a
    // shorter stream is a prefix of a longer one.
    const uint64_t most =
        std::max(absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_live_events));
    // Its guards skip some benign events (~7.3 per account-day of the 8
    // asked for), hence the 25% margin, as tools/datagen/main.cc does.
    o.days = static_cast<uint32_t>(
        most * 5 / 4 / (static_cast<uint64_t>(accounts) * 8) + 2);
    o.max_events = n;
    datagen_ = std::make_unique<riskflow::datagen::Generator>(o);
  }

  void Next(uint64_t i, v1::Event* e) {
    if (uniform_ != nullptr) {
      uniform_->Next(i, e);
    } else if (!datagen_->Next(e)) {
      Die(absl::StrCat("datagen ended after ", i, " events"));
    }
  }

 private:
  std::unique_ptr<UniformStream> uniform_;
  std::unique_ptr<riskflow::datagen::Generator> datagen_;
};

void WriteInput(const std::string& path, uint64_t n, bool proto) {
  std::ofstream out(path, std::ios::binary);
  Stream gen(n);
  v1::Event e;
  std::string buffer, json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  for (uint64_t i = 0; i < n; ++i) {
    gen.Next(i, &e);
    if (proto) {
      riskflow::replay::AppendDelimited(e, &buffer);
    } else {
      json.clear();
      (void)google::protobuf::util::MessageToJsonString(e, &json, options);
      buffer.append(json).push_back('\n');
    }
    if (buffer.size() > (1 << 20)) {
      out.write(buffer.data(), buffer.size());
      buffer.clear();
    }
  }
  out.write(buffer.data(), buffer.size());
  if (!out.good()) Die(absl::StrCat("cannot write ", path));
}

v1::PipelineConfig Pipeline() {
  auto config = riskflow::config::ParsePipelineYaml(
      riskflow::config::DefaultPipelineYaml());
  if (!config.ok()) Die(std::string(config.status().message()));
  return *config;
}

// One Publish stream: a writer keeps up to `window` batches unacknowledged
// while this thread reads the acks.
void RunStream(const std::string& target,
               const std::vector<v1::PublishRequest>& batches, size_t first,
               size_t step, int window, uint64_t* accepted) {
  auto stub = v1::Ingest::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto stream = stub->Publish(&ctx);
  absl::Mutex mu;
  int unacked = 0;
  std::thread writer([&] {
    for (size_t b = first; b < batches.size(); b += step) {
      {
        absl::MutexLock lock(&mu);
        auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
          return unacked < window;
        };
        mu.Await(absl::Condition(&room));
        ++unacked;
      }
      if (!stream->Write(batches[b])) break;
    }
    stream->WritesDone();
  });
  v1::PublishAck ack;
  while (stream->Read(&ack)) {
    *accepted += ack.accepted();
    absl::MutexLock lock(&mu);
    --unacked;
  }
  writer.join();
  grpc::Status s = stream->Finish();
  if (!s.ok()) Die(absl::StrCat("Publish failed: ", s.error_message()));
}

double RunLive(uint64_t n) {
  std::vector<v1::PublishRequest> batches;
  Stream gen(n);
  const uint32_t batch_size = absl::GetFlag(FLAGS_batch_size);
  for (uint64_t i = 0; i < n; ++i) {
    if (i % batch_size == 0) batches.emplace_back().set_batch_id(i);
    gen.Next(i, batches.back().add_events());
  }
  riskflow::server::DaemonOptions options;
  options.listen_address = "127.0.0.1:0";
  auto dir = riskflow::replay::MakeTempStateDir();
  if (!dir.ok()) Die(std::string(dir.status().message()));
  options.data_dir = *dir;
  options.pipeline = Pipeline();
  options.shards = absl::GetFlag(FLAGS_shards);
  options.plugin_search_path = riskflow::plugin_host::DefaultPluginSearchPath();
  auto daemon = riskflow::server::Daemon::Start(options);
  if (!daemon.ok()) Die(std::string(daemon.status().message()));
  const std::string target = (*daemon)->address();
  const int streams = absl::GetFlag(FLAGS_streams);
  std::vector<uint64_t> accepted(streams, 0);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      RunStream(target, batches, s, streams, absl::GetFlag(FLAGS_window),
                &accepted[s]);
    });
  }
  for (auto& t : threads) t.join();
  auto admin = v1::Admin::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  while (true) {
    grpc::ClientContext ctx;
    v1::Health health;
    if (admin->GetHealth(&ctx, {}, &health).ok() &&
        health.processed_sequence() >= health.durable_sequence()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double seconds = Since(start);
  uint64_t total = 0;
  for (uint64_t a : accepted) total += a;
  if (total != n) Die(absl::StrCat("live: only ", total, " of ", n, " accepted"));
  (*daemon)->Shutdown();
  (void)riskflow::replay::RemoveTree(*dir);
  return n / seconds;
}

// Replays `input` once; prints one line and returns events/s.
double ReplayOnce(riskflow::replay::ReplayOptions options,
                  const std::string& input, const char* label) {
  options.input.path = input;
  const double cpu0 = CpuSeconds();
  auto summary = riskflow::replay::Replayer::Run(options);
  if (!summary.ok()) Die(std::string(summary.status().message()));
  std::printf("  %-7s %9llu events (%s in, %s out), %u shards: %6.1f s, "
              "%7.0f events/s, %.2f cores, sha256 %s\n",
              label, static_cast<unsigned long long>(summary->events_read),
              absl::GetFlag(FLAGS_format).c_str(),
              absl::GetFlag(FLAGS_out_format).c_str(), summary->shards,
              summary->elapsed_seconds, summary->events_per_second,
              (CpuSeconds() - cpu0) / summary->elapsed_seconds,
              summary->output_sha256.substr(0, 16).c_str());
  std::fflush(stdout);
  return summary->events_per_second;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const uint64_t n = absl::GetFlag(FLAGS_events);
  const uint64_t live_n = absl::GetFlag(FLAGS_live_events);
  const bool proto = absl::GetFlag(FLAGS_format) == "proto";
  auto work = riskflow::replay::MakeTempStateDir();
  if (!work.ok()) Die(std::string(work.status().message()));
  const char* ext = proto ? ".pb" : ".jsonl";
  const std::string input = absl::StrCat(*work, "/events", ext);
  // The live run's events as a file too, so replay and live are also
  // compared on exactly the same events.
  const std::string prefix = absl::StrCat(*work, "/prefix", ext);

  auto t = Clock::now();
  WriteInput(input, n, proto);
  // Live on all the events: the big replay is also the same-events one.
  const bool same_file = live_n == n;
  if (live_n > 0 && !same_file) WriteInput(prefix, live_n, proto);
  std::printf("generated %llu (+%llu) events (%s stream, %u accounts) in "
              "%.1f s\n",
              static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(same_file ? 0 : live_n),
              absl::GetFlag(FLAGS_stream).c_str(),
              absl::GetFlag(FLAGS_accounts), Since(t));

  riskflow::replay::ReplayOptions options;
  options.pipeline = Pipeline();
  options.plugin_search_path = riskflow::plugin_host::DefaultPluginSearchPath();
  options.state_dir = *work + "/state";
  options.out = *work + "/decisions.out";
  auto out_format =
      riskflow::replay::ParseOutputFormat(absl::GetFlag(FLAGS_out_format));
  if (!out_format.ok()) Die(std::string(out_format.status().message()));
  options.out_format = *out_format;
  options.shards = absl::GetFlag(FLAGS_shards);
  options.batch_size = absl::GetFlag(FLAGS_batch_size);

  std::vector<double> full, same, live;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeats); ++r) {
    std::printf("run %d\n", r + 1);
    full.push_back(ReplayOnce(options, input, "replay"));
    if (live_n == 0) continue;
    same.push_back(same_file ? full.back()
                             : ReplayOnce(options, prefix, "replay"));
    const double cpu0 = CpuSeconds();
    const auto start = Clock::now();
    live.push_back(RunLive(live_n));
    std::printf("  %-7s %9llu events over Ingest.Publish (%d streams x %d in "
                "flight, durable acks): %7.0f decided events/s, %.2f cores\n",
                "live", static_cast<unsigned long long>(live_n),
                absl::GetFlag(FLAGS_streams), absl::GetFlag(FLAGS_window),
                live.back(), (CpuSeconds() - cpu0) / Since(start));
    std::fflush(stdout);
  }
  (void)riskflow::replay::RemoveTree(*work);
  std::printf("\nmedians: replay of %llu events %.0f events/s",
              static_cast<unsigned long long>(n), Median(full));
  if (!live.empty()) {
    std::printf("; %llu events: replay %.0f, live %.0f events/s\n"
                "ratio replay/live: %.2f (replay of %llu vs live), %.2f (same "
                "%llu events)",
                static_cast<unsigned long long>(live_n), Median(same),
                Median(live), Median(full) / Median(live),
                static_cast<unsigned long long>(n),
                Median(same) / Median(live),
                static_cast<unsigned long long>(live_n));
  }
  std::printf("\n");
  return 0;
}
