#ifndef RISKFLOW_PIPELINE_STORAGE_ROCKS_STATUS_H_
#define RISKFLOW_PIPELINE_STORAGE_ROCKS_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace riskflow::storage {

// The one place where rocksdb::Status becomes absl::Status (DESIGN.md,
// Conventions). `what` names the operation so the message says what failed,
// e.g. "write batch: IO error: No space left on device".
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what);

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_ROCKS_STATUS_H_
