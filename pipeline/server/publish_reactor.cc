#include "pipeline/server/publish_reactor.h"

#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "pipeline/server/grpc_status.h"
#include "pipeline/server/publish_batch.h"

namespace riskflow::server {
namespace {

class PublishReactor
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  struct Entry {
    PublishBatch batch;
    bool ready = false;
  };

  PublishReactor(ServiceContext* ctx, auth::Principal caller,
                 const grpc::Status& allowed)
      : ctx_(ctx), caller_(std::move(caller)) {
    absl::MutexLock lock(&mu_);
    if (!allowed.ok()) {
      finished_ = true;
      Finish(allowed);
      return;
    }
    reading_ = true;
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    // Parsing and handing the batch to the log happen without the lock:
    // Submit may wait for room in the log, and the log writer needs this
    // lock to complete earlier batches (OnDurable). `reading_` stays true
    // meanwhile, so no second read starts.
    std::shared_ptr<Entry> entry;
    absl::Status status;
    if (ok) status = Prepare(&entry);
    bool finish = false;
    grpc::Status finish_status;
    std::shared_ptr<Entry> waiting;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (!ok) {
        // The client half-closed or the call was cancelled.
        reads_done_ = true;
      } else if (!status.ok()) {
        if (error_.ok()) error_ = status;
        reads_done_ = true;
      } else {
        queue_.push_back(entry);
        if (entry->batch.ticket == nullptr) {
          entry->ready = true;
          WriteNextLocked();
        } else {
          waiting = entry;
        }
      }
      MaybeReadLocked();
      finish = ShouldFinishLocked(&finish_status);
    }
    // Registered outside the lock: the callback may run right here if the
    // batch is already durable. The reactor cannot finish before every
    // queued entry is ready, so it outlives the callback.
    if (waiting != nullptr) {
      waiting->batch.ticket->OnDone([this, waiting] { OnDurable(waiting); });
    }
    if (finish) Finish(finish_status);
  }

  // On the log writer thread, once an entry's batch is durable.
  void OnDurable(const std::shared_ptr<Entry>& entry) {
    bool finish = false;
    grpc::Status finish_status;
    {
      absl::MutexLock lock(&mu_);
      entry->ready = true;
      WriteNextLocked();
      MaybeReadLocked();
      finish = ShouldFinishLocked(&finish_status);
    }
    if (finish) Finish(finish_status);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    grpc::Status finish_status;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) broken_ = true;  // client gone: nobody reads acks any more
      queue_.pop_front();
      WriteNextLocked();
      MaybeReadLocked();
      finish = ShouldFinishLocked(&finish_status);
    }
    if (finish) Finish(finish_status);
  }

  void OnDone() override { delete this; }

 private:
  // Parses the message just read and submits its valid events to the log.
  absl::Status Prepare(std::shared_ptr<Entry>* entry) {
    const uint64_t n = ++messages_;
    riskflow::v1::PublishRequest request;
    grpc::Status parsed =
        grpc::SerializationTraits<riskflow::v1::PublishRequest>::Deserialize(
            &in_, &request);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "message #", n,
          " on this Publish stream is not a valid PublishRequest; nothing "
          "from it was logged and the stream is closed (batches before it "
          "were acknowledged)"));
    }
    if (ctx_->shutting_down.load()) {
      return absl::UnavailableError(
          "riskflowd is shutting down; this batch was not logged");
    }
    *entry = std::make_shared<Entry>();
    return PrepareBatch(ctx_, request, &(*entry)->batch, &caller_);
  }

  // Sends the oldest ack if it is ready and no write is outstanding;
  // after the client went away, completed entries are just dropped.
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!writing_ && !queue_.empty() && queue_.front()->ready) {
      Entry& front = *queue_.front();
      absl::Status s = FinishAck(ctx_, &front.batch);
      if (!s.ok() && error_.ok()) {
        // The log write failed: nothing of this batch is durable, so it
        // must not be acknowledged. End the stream with the reason.
        error_ = s;
        reads_done_ = true;
        broken_ = true;
      }
      if (broken_) {
        queue_.pop_front();
        continue;
      }
      if (ctx_->ingest_metrics != nullptr) {
        ctx_->ingest_metrics->OnAck(front.batch.ack);
      }
      // The previous ack's buffer is done (OnWriteDone ran); the serializer
      // requires an empty one.
      out_.Clear();
      bool own = false;
      grpc::SerializationTraits<riskflow::v1::PublishAck>::Serialize(
          front.batch.ack, &out_, &own);
      writing_ = true;
      StartWrite(&out_);
    }
  }

  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!reading_ && !reads_done_ &&
        queue_.size() < ctx_->publish_window) {
      reading_ = true;
      StartRead(&in_);
    }
  }

  bool ShouldFinishLocked(grpc::Status* status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || reading_ || !reads_done_ || writing_ || !queue_.empty()) {
      return false;
    }
    finished_ = true;
    *status = ToGrpc(error_);
    return true;
  }

  ServiceContext* const ctx_;
  const auth::Principal caller_;
  absl::Mutex mu_;
  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Entry>> queue_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  // Only touched by the read path, one read at a time.
  uint64_t messages_ = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* NewPublishReactor(
    ServiceContext* ctx) {
  return new PublishReactor(ctx, auth::Principal(), grpc::Status::OK);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* NewPublishReactor(
    ServiceContext* ctx, auth::Principal caller, grpc::Status allowed) {
  return new PublishReactor(ctx, std::move(caller), allowed);
}

}  // namespace riskflow::server
