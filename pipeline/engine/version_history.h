#ifndef RISKFLOW_PIPELINE_ENGINE_VERSION_HISTORY_H_
#define RISKFLOW_PIPELINE_ENGINE_VERSION_HISTORY_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/storage/store.h"

namespace riskflow::engine {

// Which pipeline version decided which log positions: "events with
// sequence > after were decided by version H". Kept in the store's meta
// column family so a decision that was not stored (a clean PASS) can be
// rebuilt with the version that made it.
class VersionHistory {
 public:
  absl::Status Load(storage::Store* store);
  // Durably records that events after `after` use `version_hash`; a no-op
  // when that version is already the latest.
  absl::Status Record(storage::Store* store, uint64_t after,
                      const std::string& version_hash);
  // The version that decided `sequence`, or "" when unknown.
  std::string VersionAt(uint64_t sequence) const;

 private:
  mutable absl::Mutex mu_;
  std::map<uint64_t, std::string> from_ ABSL_GUARDED_BY(mu_);  // after -> hash
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_VERSION_HISTORY_H_
