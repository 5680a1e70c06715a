#ifndef RISKFLOW_PIPELINE_LISTS_LIST_STORE_H_
#define RISKFLOW_PIPELINE_LISTS_LIST_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/admin.pb.h"

namespace riskflow::lists {

// An immutable view of every list entry; shards take one per micro-batch,
// so an Admin change never blocks the event path.
class ListSnapshot {
 public:
  // The entry of this kind for (entity, value) that applies at the event
  // time, or null (none, or expired).
  const riskflow::v1::ListEntry* Find(riskflow::v1::ListKind kind,
                                      riskflow::v1::ListEntity entity,
                                      std::string_view value,
                                      int64_t event_time_ms) const;
  bool empty() const { return entries_.empty(); }

 private:
  friend class ListStore;
  absl::flat_hash_map<std::string, riskflow::v1::ListEntry> entries_;
};

// Allow / block lists in the engine store's meta column family, with an
// in-memory copy-on-write snapshot.
class ListStore {
 public:
  explicit ListStore(storage::Store* store);

  absl::Status Load();
  // Validates and stores durably (sync); replaces an entry with the same
  // (kind, entity, value).
  absl::StatusOr<riskflow::v1::ListEntry> Put(riskflow::v1::ListEntry entry,
                                              int64_t now_ms);
  absl::StatusOr<bool> Delete(riskflow::v1::ListKind kind,
                              riskflow::v1::ListEntity entity,
                              const std::string& value);
  std::vector<riskflow::v1::ListEntry> Entries(
      riskflow::v1::ListKind kind, riskflow::v1::ListEntity entity) const;

  std::shared_ptr<const ListSnapshot> snapshot() const;

 private:
  storage::Store* store_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const ListSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

// The key of an entry in the store and in a snapshot.
std::string ListKey(riskflow::v1::ListKind kind,
                    riskflow::v1::ListEntity entity, std::string_view value);

}  // namespace riskflow::lists

#endif  // RISKFLOW_PIPELINE_LISTS_LIST_STORE_H_
