#ifndef RISKFLOW_PIPELINE_SERVER_STORE_FLUSH_H_
#define RISKFLOW_PIPELINE_SERVER_STORE_FLUSH_H_

#include "pipeline/storage/store.h"

namespace riskflow::server {

// Flushes every column family of `store` (null: nothing) at a clean stop.
// RocksDB does not flush at Close when its WAL is on, and a column family
// left unflushed pins every WAL since its oldest write: the next open
// replayed tens of MB (seconds) of engine-store WAL before serving
// (docs/segment-log.md, "Startup"). Skipped while the disk guard holds the
// store stopped (a flush needs room; the WAL still keeps the data); a
// failed flush is logged and harmless for the same reason.
void FlushStoreAtStop(storage::Store* store);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_STORE_FLUSH_H_
