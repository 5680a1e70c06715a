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
  // oversized push still makes progress). Returns false once closed.
  bool PushAll(std::vector<T>&& items) {
    absl::MutexLock lock(&mu_);
    const size_t n = items.size();
    auto room = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || items_.empty() || items_.size() + n <= capacity_;
    };
    mu_.Await(absl::Condition(&room));
    if (closed_) return false;
    for (T& item : items) items_.push_back(std::move(item));
    return true;
  }

  // Blocks until at least one item is queued or the queue is closed; moves
  // up to max items into out. Returns false when closed and drained.
  bool PopBatch(size_t max, std::vector<T>* out) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !items_.empty();
    };
    mu_.Await(absl::Condition(&ready));
    if (items_.empty()) return false;
    while (!items_.empty() && out->size() < max) {
      const bool last = ends_batch_ && ends_batch_(items_.front());
      out->push_back(std::move(items_.front()));
      items_.pop_front();
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
    return items_.size();
  }

 private:
  const size_t capacity_;
  const std::function<bool(const T&)> ends_batch_;
  mutable absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_BOUNDED_QUEUE_H_
