#include "tools/loadgen/stream_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"

namespace riskflow::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

struct StreamState {
  absl::Mutex mu;
  std::deque<Clock::time_point> sent;  // one per unacked batch, in order
  std::vector<double> latencies_us;
  uint64_t accepted = 0;
  grpc::Status status;
};

}  // namespace

absl::StatusOr<RunResult> RunStreams(
    const std::string& target,
    const std::vector<riskflow::v1::PublishRequest>& batches, int streams,
    int window, const ClientTls& tls) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(tls, &args);
  if (!credentials.ok()) return credentials.status();
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int s = 0; s < streams; ++s) {
    // One channel per stream: separate HTTP/2 connections, as separate
    // acquiring channels would have.
    args.SetInt("loadgen.stream", s);
    channels.push_back(grpc::CreateCustomChannel(target, *credentials, args));
  }
  std::vector<StreamState> state(streams);
  std::atomic<uint64_t> events{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      auto stub = riskflow::v1::Ingest::NewStub(channels[s]);
      grpc::ClientContext ctx;
      auto stream = stub->Publish(&ctx);
      StreamState& st = state[s];
      std::thread reader([&] {
        riskflow::v1::PublishAck ack;
        while (stream->Read(&ack)) {
          absl::MutexLock lock(&st.mu);
          auto elapsed = Clock::now() - st.sent.front();
          st.sent.pop_front();
          st.latencies_us.push_back(
              std::chrono::duration<double, std::micro>(elapsed).count());
          st.accepted += ack.accepted() + ack.duplicates_size();
        }
      });
      for (size_t b = s; b < batches.size(); b += streams) {
        {
          absl::MutexLock lock(&st.mu);
          auto room = [&st, window]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(st.mu) {
            return st.sent.size() < static_cast<size_t>(window);
          };
          st.mu.Await(absl::Condition(&room));
          st.sent.push_back(Clock::now());
        }
        if (!stream->Write(batches[b])) break;
        events.fetch_add(batches[b].events_size());
      }
      stream->WritesDone();
      reader.join();
      st.status = stream->Finish();
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();

  RunResult result;
  std::vector<double> all;
  for (StreamState& st : state) {
    if (!st.status.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "publish stream failed: ", st.status.error_message()));
    }
    result.accepted += st.accepted;
    all.insert(all.end(), st.latencies_us.begin(), st.latencies_us.end());
  }
  result.events = events.load();
  result.seconds = seconds;
  result.events_per_second = result.events / seconds;
  result.ack_p50_us = Percentile(all, 0.50);
  result.ack_p99_us = Percentile(all, 0.99);
  return result;
}

}  // namespace riskflow::loadgen
