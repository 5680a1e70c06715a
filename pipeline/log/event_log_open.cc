// EventLog::Open: the backend's last sequence and max event time, the
// guards that keep one data directory on one backend, and the rebuild of
// the segment backend's in-memory idempotency index.
#include <dirent.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/common/logger.h"
#include "pipeline/log/content_hash.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/log/segment/segment_format.h"
#include "rocksdb/iterator.h"

namespace riskflow::log {

using storage::Cf;

absl::Status EventLog::Open() {
  const bool segments = options_.backend == Options::Backend::kSegments;
  if (segments) {
    if (memory_index_ != nullptr || !options_.store_records ||
        options_.segment_dir.empty()) {
      return absl::InvalidArgumentError(
          "the segment log needs segment_dir, keeps its records and its own "
          "idempotency index (memory_id_index_entries must be 0)");
    }
    if (auto s = CheckNoRocksRecords(); !s.ok()) return s;
  } else if (!options_.segment_dir.empty()) {
    if (auto s = CheckNoSegments(); !s.ok()) return s;
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<BackendState> state = backend_->Open();
  if (!state.ok()) return state.status();
  if (segments) {
    logging::Log(logging::Level::kInfo, {"event_log"},
                 absl::StrCat("segment log ", options_.segment_dir,
                              " opened in ",
                              absl::FormatDuration(absl::Now() - started)));
  }
  last_sequence_ = state->last_sequence;
  max_event_time_ms_ = state->max_event_time_ms.value_or(0);
  if (options_.clock) {
    // Heals a store whose max event time was dragged into the future before
    // the clamp existed (or by a clock that was wrong then).
    max_event_time_ms_ = std::min(max_event_time_ms_, options_.clock());
  }
  if (memory_index_ != nullptr) {
    // Every group that logs an event stores the max event time, even when
    // records are not kept, so its presence means "events were logged".
    if (state->max_event_time_ms.has_value()) {
      return absl::FailedPreconditionError(
          "the in-memory idempotency index needs an empty log store, but "
          "this one has logged events before (its max event time is set); "
          "the index cannot know their ids, so open a fresh store or use "
          "memory_id_index_entries = 0");
    }
    if (auto s = CheckEmptyForMemoryIndex(); !s.ok()) return s;
  }
  if (horizon_index_ != nullptr) {
    if (auto s = RebuildHorizonIndex(); !s.ok()) return s;
  }
  durable_sequence_.store(last_sequence_);
  absl::MutexLock lock(&mu_);
  synced_sequence_ = last_sequence_;
  return absl::OkStatus();
}

absl::Status EventLog::RebuildHorizonIndex() {
  // Records of the segment log are written by EncodeHashedLogRecord, so
  // the content hash is the hash of the record's event bytes; only the
  // ids need parsing.
  riskflow::v1::Event event;
  absl::Status bad;
  auto scan = [&](uint64_t after, const HorizonIdIndex::Visit& visit) {
    absl::Status s =
        backend_->Scan(after, [&](uint64_t seq, std::string_view record) {
          if (seq > last_sequence_) return false;
          if (record.size() < 8 ||
              !event.ParseFromArray(record.data() + 8,
                                    static_cast<int>(record.size() - 8))) {
            bad = absl::DataLossError(absl::StrCat(
                "event log sequence ", seq,
                ": unparseable record while rebuilding the idempotency "
                "index"));
            return false;
          }
          visit(seq, FingerprintId(event.channel_id(), event.event_id()),
                ContentHashOfRecord(record));
          return true;
        });
    return bad.ok() ? s : bad;
  };
  absl::MutexLock lock(&index_mu_);
  const absl::Time started = absl::Now();
  absl::StatusOr<IdIndexRebuildReport> report = horizon_index_->Rebuild(
      backend_->first_sequence(), last_sequence_, scan);
  if (!report.ok()) return report.status();
  rebuild_ = *report;
  if (last_sequence_ > 0) {
    logging::Log(
        logging::Level::kInfo, {"event_log"},
        absl::StrCat("segment log at sequence ", last_sequence_,
                     "; idempotency index rebuilt in ",
                     absl::FormatDuration(absl::Now() - started), ": ",
                     report->from_checkpoint, " ids from ",
                     report->files_used, " checkpoint files, ",
                     report->scanned, " read from the log (horizon ",
                     horizon_index_->horizon_events(), " events)"));
  }
  return absl::OkStatus();
}

bool RocksLogHoldsRecords(storage::Store* store) {
  std::unique_ptr<rocksdb::Iterator> it = store->NewIterator(Cf::kLog);
  it->SeekToFirst();
  return it->Valid();
}

absl::Status EventLog::CheckNoRocksRecords() {
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kLog);
  it->SeekToFirst();
  const bool holds_records = it->Valid();
  if (auto s = store_->IteratorStatus(*it, "checking the RocksDB event log");
      !s.ok()) {
    return s;
  }
  if (holds_records) {
    return absl::FailedPreconditionError(
        "this data directory's RocksDB event log (log/, column family "
        "\"log\") holds logged events, so it cannot switch to the segment "
        "log: its events and their idempotency keys would be ignored. Start "
        "it with --event_log=rocksdb (or replay it into a fresh data "
        "directory)");
  }
  return absl::OkStatus();
}

absl::Status EventLog::CheckNoSegments() {
  DIR* d = ::opendir(options_.segment_dir.c_str());
  if (d == nullptr) return absl::OkStatus();  // never created
  bool found = false;
  while (struct dirent* entry = ::readdir(d)) {
    found |= segment::ParseSegmentFileName(entry->d_name).has_value();
  }
  ::closedir(d);
  if (found) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this data directory's event log is in segment files (",
        options_.segment_dir,
        "); the RocksDB log would ignore its events. Start it with "
        "--event_log=segments"));
  }
  return absl::OkStatus();
}

absl::Status EventLog::CheckEmptyForMemoryIndex() {
  for (Cf cf : {Cf::kLog, Cf::kIdem}) {
    std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(cf);
    it->SeekToFirst();
    const bool holds_entries = it->Valid();
    if (auto s = store_->IteratorStatus(
            *it, absl::StrCat("checking the log store's ", storage::CfName(cf),
                              " column family is empty"));
        !s.ok()) {
      return s;
    }
    if (holds_entries) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the in-memory idempotency index needs an empty log store, but "
          "its ",
          storage::CfName(cf),
          " column family already holds entries; the index cannot know ids "
          "logged before, so open a fresh store or use "
          "memory_id_index_entries = 0"));
    }
  }
  return absl::OkStatus();
}

}  // namespace riskflow::log
