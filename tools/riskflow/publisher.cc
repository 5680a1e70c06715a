#include "tools/riskflow/publisher.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"

namespace riskflow::cli {
namespace {

using ::riskflow::v1::PublishAck;
using ::riskflow::v1::PublishRequest;

using Stream = grpc::ClientReaderWriterInterface<PublishRequest, PublishAck>;

// Batches sent but not yet acknowledged, shared by writer and ack reader.
class InFlight {
 public:
  explicit InFlight(int64_t window) : window_(window) {}

  // Blocks until there is room for another batch. Returns false when the
  // stream has already ended (no point in sending more).
  bool WaitForRoom() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](InFlight* self) {
          return self->stream_ended_ ||
                 static_cast<int64_t>(self->lines_.size()) < self->window_;
        },
        this));
    return !stream_ended_;
  }

  // Must run before the batch is written: its ack may arrive at once.
  void Add(uint64_t batch_id, std::vector<int64_t> lines) {
    absl::MutexLock lock(&mu_);
    lines_[batch_id] = std::move(lines);
  }

  void OnAck(const PublishAck& ack) {
    absl::MutexLock lock(&mu_);
    auto it = lines_.find(ack.batch_id());
    if (it == lines_.end()) return;  // not ours; nothing sensible to count
    const std::vector<int64_t>& lines = it->second;
    auto line_of = [&lines](uint32_t index) -> int64_t {
      return index < lines.size() ? lines[index] : 0;
    };
    summary_.durable_sequence =
        std::max(summary_.durable_sequence, ack.durable_sequence());
    if (!ack.batch_error().empty()) {
      // The whole batch was refused; nothing from it was logged.
      summary_.rejected += static_cast<int64_t>(lines.size());
      summary_.rejections.push_back(
          Rejection{lines.empty() ? 0 : lines.front(), "",
                    absl::StrCat("batch of ", lines.size(), " events (lines ",
                                 lines.empty() ? 0 : lines.front(), "-",
                                 lines.empty() ? 0 : lines.back(),
                                 ") refused: ", ack.batch_error())});
    } else {
      summary_.accepted += ack.accepted();
      summary_.duplicates += ack.duplicates_size();
      summary_.rejected += ack.errors_size();
      for (const auto& error : ack.errors()) {
        summary_.rejections.push_back(Rejection{
            line_of(error.index()), error.event_id(), error.message()});
      }
    }
    lines_.erase(it);
  }

  void EndStream() {
    absl::MutexLock lock(&mu_);
    stream_ended_ = true;
  }

  // Moves the tallies out once both threads are done.
  PublishSummary TakeSummary() {
    absl::MutexLock lock(&mu_);
    for (const auto& [batch_id, lines] : lines_) {
      summary_.unacknowledged += static_cast<int64_t>(lines.size());
    }
    std::stable_sort(
        summary_.rejections.begin(), summary_.rejections.end(),
        [](const Rejection& a, const Rejection& b) { return a.line < b.line; });
    return std::move(summary_);
  }

 private:
  absl::Mutex mu_;
  const int64_t window_;
  std::map<uint64_t, std::vector<int64_t>> lines_ ABSL_GUARDED_BY(mu_);
  bool stream_ended_ ABSL_GUARDED_BY(mu_) = false;
  PublishSummary summary_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

PublishSummary PublishEvents(riskflow::replay::JsonlEventReader& reader,
                             const PublisherConfig& config,
                             riskflow::v1::Ingest::StubInterface* stub) {
  const auto start = std::chrono::steady_clock::now();
  InFlight in_flight(std::max<int64_t>(config.window, 1));
  const size_t batch_size =
      static_cast<size_t>(std::max<int64_t>(config.batch_size, 1));

  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = stub->Publish(&context);
  std::thread ack_reader([&stream, &in_flight] {
    PublishAck ack;
    while (stream->Read(&ack)) in_flight.OnAck(ack);
    in_flight.EndStream();
  });

  int64_t published = 0;
  int64_t batches = 0;
  absl::Status read_status;
  PublishRequest request;
  std::vector<int64_t> lines;
  std::set<std::pair<std::string, std::string>> ids_in_batch;
  bool stream_ok = true;

  auto send = [&]() -> bool {
    if (request.events_size() == 0) return true;
    if (!in_flight.WaitForRoom()) return false;
    request.set_batch_id(static_cast<uint64_t>(++batches));
    const int64_t count = request.events_size();
    in_flight.Add(request.batch_id(), std::move(lines));
    // Counted even if the write fails, so that published always equals
    // accepted + duplicates + rejected + unacknowledged.
    published += count;
    if (!stream->Write(request)) return false;
    request.Clear();
    lines.clear();
    ids_in_batch.clear();
    return true;
  };

  riskflow::v1::Event event;
  int64_t unparseable = 0;
  std::vector<Rejection> skipped;
  while (stream_ok) {
    absl::StatusOr<bool> more = reader.Next(&event);
    if (!more.ok() &&
        more.status().code() == absl::StatusCode::kInvalidArgument) {
      // One bad line does not stop the file: skip it, report it by line.
      ++unparseable;
      std::string message(more.status().message());
      const std::string prefix =
          absl::StrCat(reader.name(), ":", reader.line(), ": ");
      if (absl::StartsWith(message, prefix)) message.erase(0, prefix.size());
      skipped.push_back(Rejection{reader.line(), "", std::move(message)});
      continue;
    }
    if (!more.ok()) {
      read_status = more.status();
      break;
    }
    if (!*more) break;
    auto id = std::make_pair(event.channel_id(), event.event_id());
    if (ids_in_batch.count(id) > 0) stream_ok = send();
    if (!stream_ok) break;
    ids_in_batch.insert(std::move(id));
    *request.add_events() = event;
    lines.push_back(reader.line());
    if (static_cast<size_t>(request.events_size()) >= batch_size) {
      stream_ok = send();
    }
  }
  if (stream_ok) stream_ok = send();
  // Half-close so the daemon finishes the stream once the last ack is sent;
  // on a broken stream this is a harmless no-op.
  stream->WritesDone();
  ack_reader.join();
  grpc::Status status = stream->Finish();

  PublishSummary summary = in_flight.TakeSummary();
  summary.unparseable = unparseable;
  summary.rejections.insert(summary.rejections.end(), skipped.begin(),
                            skipped.end());
  std::stable_sort(
      summary.rejections.begin(), summary.rejections.end(),
      [](const Rejection& a, const Rejection& b) { return a.line < b.line; });
  summary.published = published;
  summary.batches = batches;
  summary.read_status = read_status;
  summary.stream_status = status;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return summary;
}

}  // namespace riskflow::cli
