#include "tools/loadgen/evaluate_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/grpcpp.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"

namespace riskflow::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

EvaluateResult Summarize(std::vector<double> latencies) {
  EvaluateResult r;
  r.calls = latencies.size();
  if (latencies.empty()) return r;
  std::sort(latencies.begin(), latencies.end());
  r.p50_us = latencies[latencies.size() / 2];
  r.p99_us = latencies[static_cast<size_t>(0.99 * (latencies.size() - 1))];
  r.max_us = latencies.back();
  return r;
}

// One Evaluate call; its latency in microseconds.
absl::StatusOr<double> EvaluateOnce(riskflow::v1::Ingest::Stub* stub,
                                    const riskflow::v1::Event& e) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  riskflow::v1::EvaluateRequest request;
  *request.mutable_event() = e;
  riskflow::v1::EvaluateResponse response;
  const auto start = Clock::now();
  grpc::Status s = stub->Evaluate(&ctx, request, &response);
  const double us = Micros(Clock::now() - start);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Evaluate failed: ", s.error_message()));
  }
  if (response.decision().sequence() == 0) {
    return absl::InternalError(absl::StrCat(
        "Evaluate of ", e.event_id(), " returned a decision without sequence"));
  }
  return us;
}

struct PacedStream {
  absl::Mutex mu;
  std::deque<Clock::time_point> sent;  // one per unacked batch, in order
  std::vector<double> latencies_us;
  std::vector<Clock::time_point> sent_at;  // of latencies_us[i]'s batch
  uint64_t accepted = 0;
  uint64_t late = 0;
  grpc::Status status;
};

// One line per acknowledged batch and per Evaluate call, in send order:
// milliseconds from the schedule's start to the write (or the call), the
// latency in µs, and "ack" or "evaluate". For finding what a tail is made
// of (a start-up transient, a stall).
absl::Status WriteAckLog(
    const std::string& path, Clock::time_point start,
    std::vector<PacedStream>& streams,
    const std::vector<std::pair<Clock::time_point, double>>& evaluates) {
  struct Row {
    double sent_ms;
    double us;
    const char* kind;
    bool operator<(const Row& o) const { return sent_ms < o.sent_ms; }
  };
  auto ms = [start](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - start).count();
  };
  std::vector<Row> rows;
  for (PacedStream& st : streams) {
    for (size_t i = 0; i < st.sent_at.size(); ++i) {
      rows.push_back({ms(st.sent_at[i]), st.latencies_us[i], "ack"});
    }
  }
  for (const auto& [at, us] : evaluates) {
    rows.push_back({ms(at), us, "evaluate"});
  }
  std::sort(rows.begin(), rows.end());
  std::ofstream out(path);
  out << "# sent_ms latency_us kind\n";
  for (const Row& r : rows) {
    out << r.sent_ms << ' ' << r.us << ' ' << r.kind << '\n';
  }
  out.close();
  if (!out) {
    return absl::UnavailableError(
        absl::StrCat("could not write the ack log ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EvaluateResult> RunEvaluates(
    const std::string& target, const std::vector<riskflow::v1::Event>& events) {
  auto stub = riskflow::v1::Ingest::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  std::vector<double> latencies;
  latencies.reserve(events.size());
  for (const riskflow::v1::Event& e : events) {
    absl::StatusOr<double> us = EvaluateOnce(stub.get(), e);
    if (!us.ok()) return us.status();
    latencies.push_back(*us);
  }
  return Summarize(std::move(latencies));
}

absl::StatusOr<LoadedEvaluateResult> RunEvaluatesUnderLoad(
    const std::string& target,
    const std::vector<riskflow::v1::Event>& evaluate_events,
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const LoadedEvaluateOptions& options) {
  const int streams = std::max(1, options.streams);
  if (batches.empty() || options.events_per_second <= 0) {
    return absl::InvalidArgumentError(
        "paced publish needs batches and a positive rate");
  }
  // Every stream gets every streams-th batch, so its rate is
  // events_per_second / streams.
  const double batch_events = batches[0].events_size();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(batch_events * streams /
                                    options.events_per_second));
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  std::vector<PacedStream> state(streams);
  std::atomic<uint64_t> sent_events{0};
  std::atomic<bool> publishing{true};
  std::atomic<int> running{streams};
  // Every stream connects and opens its Publish call before the schedule
  // starts: acquiring channels hold their streams open, and the first
  // batches of 100 streams connecting at once measured connection set-up
  // (TCP, HTTP/2, the call) rather than acks — alone more than 1% of a
  // 10 s run's batches (docs/evaluate-lane.md, "Ack latency under load").
  absl::BlockingCounter connected(streams);
  absl::Notification go;
  Clock::time_point start;
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      // One connection per stream, as separate acquiring channels have.
      grpc::ChannelArguments own = args;
      own.SetInt("loadgen.paced_stream", s);
      auto channel = grpc::CreateCustomChannel(
          target, grpc::InsecureChannelCredentials(), own);
      channel->WaitForConnected(std::chrono::system_clock::now() +
                                std::chrono::seconds(10));
      auto stub = riskflow::v1::Ingest::NewStub(channel);
      grpc::ClientContext ctx;
      auto stream = stub->Publish(&ctx);
      PacedStream& st = state[s];
      connected.DecrementCount();
      go.WaitForNotification();
      std::thread reader([&] {
        riskflow::v1::PublishAck ack;
        while (stream->Read(&ack)) {
          absl::MutexLock lock(&st.mu);
          st.latencies_us.push_back(Micros(Clock::now() - st.sent.front()));
          st.sent_at.push_back(st.sent.front());
          st.sent.pop_front();
          st.accepted += ack.accepted() + ack.duplicates_size();
        }
      });
      // Staggered: stream s starts s/streams of an interval in.
      auto due = start + interval * s / streams;
      for (size_t b = s; b < batches.size(); b += streams) {
        std::this_thread::sleep_until(due);
        due += interval;
        {
          absl::MutexLock lock(&st.mu);
          auto room = [&st, &options]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(st.mu) {
            return st.sent.size() < static_cast<size_t>(options.window);
          };
          if (!room()) ++st.late;
          st.mu.Await(absl::Condition(&room));
          st.sent.push_back(Clock::now());
        }
        if (!stream->Write(batches[b])) break;
        sent_events.fetch_add(batches[b].events_size());
      }
      stream->WritesDone();
      reader.join();
      st.status = stream->Finish();
      if (running.fetch_sub(1) == 1) publishing.store(false);
    });
  }

  auto evaluate_channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  evaluate_channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(10));
  connected.Wait();
  start = Clock::now();
  go.Notify();

  std::vector<double> evaluate_us;
  std::vector<std::pair<Clock::time_point, double>> evaluate_log;
  absl::Status evaluate_status;
  {
    auto stub = riskflow::v1::Ingest::NewStub(evaluate_channel);
    std::this_thread::sleep_for(std::chrono::milliseconds(options.warmup_ms));
    for (const riskflow::v1::Event& e : evaluate_events) {
      if (!publishing.load()) break;
      const Clock::time_point called = Clock::now();
      absl::StatusOr<double> us = EvaluateOnce(stub.get(), e);
      if (!us.ok()) {
        evaluate_status = us.status();
        break;
      }
      evaluate_us.push_back(*us);
      evaluate_log.emplace_back(called, *us);
      std::this_thread::sleep_for(
          std::chrono::microseconds(options.evaluate_gap_us));
    }
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start)
                             .count();
  if (!evaluate_status.ok()) return evaluate_status;

  LoadedEvaluateResult result;
  std::vector<double> acks;
  uint64_t accepted = 0;
  for (PacedStream& st : state) {
    if (!st.status.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "paced publish stream failed: ", st.status.error_message()));
    }
    accepted += st.accepted;
    result.late_batches += st.late;
    acks.insert(acks.end(), st.latencies_us.begin(), st.latencies_us.end());
  }
  if (accepted != sent_events.load()) {
    return absl::DataLossError(absl::StrCat(
        "paced publish: ", accepted, " of ", sent_events.load(),
        " events accepted"));
  }
  if (!options.ack_log.empty()) {
    if (absl::Status st =
            WriteAckLog(options.ack_log, start, state, evaluate_log);
        !st.ok()) {
      return st;
    }
  }
  result.evaluate = Summarize(std::move(evaluate_us));
  EvaluateResult a = Summarize(std::move(acks));
  result.ack_p50_us = a.p50_us;
  result.ack_p99_us = a.p99_us;
  result.acked_events_per_second = accepted / seconds;
  return result;
}

}  // namespace riskflow::loadgen
