#ifndef RISKFLOW_PIPELINE_STATE_STORED_KEY_SCAN_H_
#define RISKFLOW_PIPELINE_STATE_STORED_KEY_SCAN_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/state/stored_key_filter.h"
#include "pipeline/storage/store.h"

namespace riskflow::state {

// Fills a StoredKeyFilter with every (state id, entity) of the store's state
// column family, then marks it ready. The iterator reads from the snapshot
// of its creation: a key written after that is added by the shard that
// serialises it (ShardState::FlushEntry), so nothing is missed. Runs on its
// own low-priority thread; until it finishes the filter answers "maybe" and
// the shards read as before. An empty column family makes the filter ready
// at once. If the scan fails or is stopped, the filter never becomes ready
// (every check keeps answering "maybe").
class StoredKeyScan {
 public:
  // Starts the thread. `store` and `filter` must outlive the scan.
  static std::unique_ptr<StoredKeyScan> Start(storage::Store* store,
                                              StoredKeyFilter* filter);
  // The same on the calling thread (tests, tools); returns its status.
  static absl::Status Run(storage::Store* store, StoredKeyFilter* filter,
                          const std::atomic<bool>* stop = nullptr,
                          uint64_t* keys = nullptr);
  // Stops the scan (the filter stays not ready) and joins it.
  ~StoredKeyScan();

  // Blocks until the scan ended.
  void Wait();
  bool done() const { return done_.load(std::memory_order_acquire); }
  // Meaningful once done().
  absl::Status status() const;
  // State keys read so far.
  uint64_t keys() const { return keys_.load(std::memory_order_relaxed); }

 private:
  StoredKeyScan() = default;

  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> keys_{0};
  mutable absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STORED_KEY_SCAN_H_
