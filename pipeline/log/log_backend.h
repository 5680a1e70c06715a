#ifndef RISKFLOW_PIPELINE_LOG_LOG_BACKEND_H_
#define RISKFLOW_PIPELINE_LOG_LOG_BACKEND_H_

// Where EventLog keeps its records (docs/segment-log.md, "The live log on
// segment files"). EventLog owns sequencing, idempotency, watermarks and
// acks; a backend only stores one group of encoded records durably and
// reads them back. Two exist: the RocksDB log column family (the original
// layout, rocks_log_backend.*) and append-only segment files
// (segment_log_backend.*).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/log/segment/segment_log.h"
#include "pipeline/storage/store.h"

namespace riskflow::log {

// One group commit: records with dense sequences from first_sequence.
struct GroupWrite {
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;  // also when no records are kept
  // EncodeLogRecord values, in sequence order (empty when the log keeps no
  // records, as replay's does).
  std::vector<std::string> records;
  // The running max event time after this group (the watermark's source).
  int64_t max_event_time_ms = 0;
  // Exact idempotency entries (IdempotencyKey -> EncodeIdemValue) written
  // atomically with the records; only the RocksDB backend takes them.
  std::vector<std::pair<std::string, std::string>> idem_entries;
};

struct BackendState {
  uint64_t last_sequence = 0;  // 0: nothing logged
  // The max event time the log last stored; nullopt when nothing was
  // logged (or, for the RocksDB backend, never recorded).
  std::optional<int64_t> max_event_time_ms;
};

class LogBackend {
 public:
  virtual ~LogBackend() = default;

  virtual absl::StatusOr<BackendState> Open() = 0;
  // Writes one group after the last. It may not be durable on return: a
  // later Sync makes it so. All or nothing is acknowledged: on an error the
  // caller acknowledges none of the group. Called by one thread at a time.
  virtual absl::Status Write(GroupWrite& group) = 0;
  // Makes every group written before the call durable and returns the last
  // sequence that is (0: none). Safe from several threads at once and
  // concurrently with Write: the event log writes its next group while
  // earlier groups are being synced (docs/segment-log.md, "Concurrent
  // syncs"). Once a Write or Sync failed it fails.
  virtual absl::StatusOr<uint64_t> Sync() = 0;
  // The record with this sequence, nullopt when it is not in the log.
  virtual absl::StatusOr<std::optional<std::string>> Read(
      uint64_t sequence) = 0;
  // Records with sequence > after, in order, until fn returns false.
  virtual absl::Status Scan(
      uint64_t after,
      const std::function<bool(uint64_t sequence, std::string_view record)>&
          fn) = 0;
  // First sequence still held (1 unless retention removed some).
  virtual uint64_t first_sequence() = 0;
};

// The log column family of `store` (+ its idem and meta entries). Each
// group is one WriteBatch, synced when `sync`, so it is durable when Write
// returns and Sync only reports it.
std::unique_ptr<LogBackend> NewRocksLogBackend(storage::Store* store,
                                               bool sync);

// Segment files in `dir`. `allowed_lateness_ms` lets Open recover the max
// event time from the last record (watermark + lateness).
std::unique_ptr<LogBackend> NewSegmentLogBackend(
    std::string dir, segment::SegmentLogOptions options,
    int64_t allowed_lateness_ms);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_LOG_BACKEND_H_
