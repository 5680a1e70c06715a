#include "pipeline/server/store_flush.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/common/logger.h"

namespace riskflow::server {

void FlushStoreAtStop(storage::Store* store) {
  if (store == nullptr) return;
  if (store->write_stopped()) {
    logging::Log(logging::Level::kWarning, {"server"},
                 "store writes are stopped (disk full?): not flushing at "
                 "stop; the next start replays its write-ahead log");
    return;
  }
  const absl::Time start = absl::Now();
  absl::Status s = store->Flush();
  if (!s.ok()) {
    logging::Log(logging::Level::kWarning, {"server"},
                 absl::StrCat("flush at stop failed (the next start replays "
                              "the write-ahead log): ",
                              s.message()));
    return;
  }
  logging::Log(logging::Level::kInfo, {"server"},
               absl::StrCat("store flushed at stop in ",
                            absl::FormatDuration(absl::Now() - start)));
}

}  // namespace riskflow::server
