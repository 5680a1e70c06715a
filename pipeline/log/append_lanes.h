#ifndef RISKFLOW_PIPELINE_LOG_APPEND_LANES_H_
#define RISKFLOW_PIPELINE_LOG_APPEND_LANES_H_

#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace riskflow::log {

// Which lane a submitted batch waits in before the log writer takes it.
enum class Lane {
  // Publish batches: throughput, first come first served.
  kBulk = 0,
  // Evaluate calls (the authorization path): a caller waits for the
  // decision, so the batch joins the very next group, ahead of every bulk
  // batch still waiting (docs/evaluate-lane.md).
  kPriority = 1,
};

// The log writer's intake: two FIFO lanes of submitted batches, each with a
// weight (its event count). The writer takes one group at a time: every
// waiting priority batch first, then bulk batches in arrival order up to a
// bound, so a priority batch never waits behind a backlog of bulk batches —
// at most behind the group being written when it arrived. Within a lane the
// order is kept (a Publish stream's batches stay in stream order). Not
// thread-safe: the log guards it with its own mutex.
template <typename T>
class AppendLanes {
 public:
  void Push(T item, size_t weight, Lane lane) {
    Queue& q = lanes_[static_cast<int>(lane)];
    q.items.push_back({std::move(item), weight});
    q.weight += weight;
  }

  // Moves the next group into *out (appended) and returns its total weight.
  // Every priority item comes first. Bulk items follow in order while the
  // group's bulk weight stays within max_bulk_weight — or, when the group
  // has priority items, within max_bulk_weight_with_priority (a small
  // bound, so the group carrying an Evaluate is written quickly). A group
  // without priority items takes at least one bulk item, however heavy, so
  // an oversized batch still makes progress.
  size_t TakeGroup(size_t max_bulk_weight,
                   size_t max_bulk_weight_with_priority, std::vector<T>* out) {
    size_t taken = 0;
    Queue& priority = lanes_[static_cast<int>(Lane::kPriority)];
    const bool has_priority = !priority.items.empty();
    while (!priority.items.empty()) {
      taken += Pop(priority, out);
    }
    Queue& bulk = lanes_[static_cast<int>(Lane::kBulk)];
    const size_t bound =
        has_priority ? max_bulk_weight_with_priority : max_bulk_weight;
    size_t bulk_taken = 0;
    while (!bulk.items.empty()) {
      const size_t w = bulk.items.front().weight;
      const bool first = !has_priority && bulk_taken == 0;
      if (!first && bulk_taken + w > bound) break;
      bulk_taken += Pop(bulk, out);
    }
    return taken + bulk_taken;
  }

  bool empty() const {
    return lanes_[0].items.empty() && lanes_[1].items.empty();
  }
  // Total weight waiting in a lane.
  size_t weight(Lane lane) const {
    return lanes_[static_cast<int>(lane)].weight;
  }
  size_t size(Lane lane) const {
    return lanes_[static_cast<int>(lane)].items.size();
  }

 private:
  struct Entry {
    T item;
    size_t weight;
  };
  struct Queue {
    std::deque<Entry> items;
    size_t weight = 0;
  };

  static size_t Pop(Queue& q, std::vector<T>* out) {
    Entry& e = q.items.front();
    const size_t w = e.weight;
    out->push_back(std::move(e.item));
    q.items.pop_front();
    q.weight -= w;
    return w;
  }

  Queue lanes_[2];
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_APPEND_LANES_H_
