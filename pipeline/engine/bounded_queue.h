#ifndef RISKFLOW_PIPELINE_ENGINE_BOUNDED_QUEUE_H_
#define RISKFLOW_PIPELINE_ENGINE_BOUNDED_QUEUE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace riskflow::engine {

// A FIFO with a capacity in items. Push blocks while full — that is how a
// slow shard pushes back on the log writer and, through it, on ingest.
// Optionally, items for which `ends_batch` holds close the batch PopBatch
// hands out (an Evaluate's event: its decision is published when its
// micro-batch commits, so that batch ends with it; docs/evaluate-lane.md).
// The order is never changed.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity,
                        std::function<bool(const T&)> ends_batch = nullptr)
      : capacity_(capacity), ends_batch_(std::move(ends_batch)) {}

  // Blocks until there is room for all items (or the queue is empty, so an
  // oversized push still makes progress). Returns false once closed. The
  // vector is queued as it is (one move, not one per item).
  bool PushAll(std::vector<T>&& items) {
    absl::MutexLock lock(&mu_);
    const size_t n = items.size();
    if (n == 0) return !closed_;
    auto room = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || size_ == 0 || size_ + n <= capacity_;
    };
    mu_.Await(absl::Condition(&room));
    if (closed_) return false;
    size_ += n;
    if (ends_batch_) {
      for (const T& item : items) batch_enders_ += ends_batch_(item) ? 1 : 0;
    }
    chunks_.push_back(std::move(items));
    return true;
  }

  // Blocks until at least one item is queued or the queue is closed; moves
  // up to max items into out, in order, ending after an item the
  // ends_batch predicate picks. Returns false when closed and drained.
  bool PopBatch(size_t max, std::vector<T>* out) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || size_ > 0;
    };
    mu_.Await(absl::Condition(&ready));
    if (size_ == 0) return false;
    while (size_ > 0 && out->size() < max) {
      std::vector<T>& chunk = chunks_.front();
      // A consumer that keeps up: a whole pushed vector is the batch,
      // handed over without touching its items (protobuf events are not
      // cheap to move). Not when the next vector would join the batch:
      // growing `out` past the pushed vector's size would allocate.
      const bool next_joins =
          chunks_.size() > 1 && chunk.size() + chunks_[1].size() <= max;
      if (out->empty() && front_ == 0 && chunk.size() <= max && !next_joins &&
          FirstBatchEnd(chunk) + 1 >= chunk.size()) {
        const bool last = ends_batch_ && ends_batch_(chunk.back());
        batch_enders_ -= last ? 1 : 0;  // the only one: FirstBatchEnd
        out->swap(chunk);
        size_ -= out->size();
        chunks_.pop_front();
        if (last) break;
        continue;
      }
      // Room for a whole batch once, not growth step by step.
      if (out->capacity() < max) out->reserve(max);
      T& item = chunk[front_];
      const bool last = ends_batch_ && ends_batch_(item);
      batch_enders_ -= last ? 1 : 0;
      out->push_back(std::move(item));
      --size_;
      if (++front_ == chunk.size()) {
        chunks_.pop_front();
        front_ = 0;
      }
      if (last) break;
    }
    return true;
  }

  // Wakes everyone; queued items are still handed out by PopBatch.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return size_;
  }

  // Whether an item the ends_batch predicate picks (an Evaluate's event)
  // is queued: the consumer may then put off work between batches.
  bool HasBatchEnder() const {
    absl::MutexLock lock(&mu_);
    return batch_enders_ > 0;
  }

 private:
  // Index of the first item that ends a batch, or chunk.size().
  size_t FirstBatchEnd(const std::vector<T>& chunk) const {
    if (!ends_batch_) return chunk.size();
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (ends_batch_(chunk[i])) return i;
    }
    return chunk.size();
  }

  const size_t capacity_;
  const std::function<bool(const T&)> ends_batch_;
  mutable absl::Mutex mu_;
  // Pushed vectors in order; front_ items of the first are handed out.
  std::deque<std::vector<T>> chunks_ ABSL_GUARDED_BY(mu_);
  size_t front_ ABSL_GUARDED_BY(mu_) = 0;
  size_t size_ ABSL_GUARDED_BY(mu_) = 0;  // items not handed out
  size_t batch_enders_ ABSL_GUARDED_BY(mu_) = 0;  // of them, batch enders
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_BOUNDED_QUEUE_H_
