#include "pipeline/log/event_log.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "pipeline/common/background_thread.h"
#include "pipeline/common/logger.h"
#include "pipeline/log/content_hash.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace riskflow::log {

using storage::Cf;
using storage::DecodeSequenceKey;
using storage::GetFixed64;
using storage::PutFixed64;
using storage::SequenceKey;

absl::StatusOr<AppendOutcome> AppendTicket::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&done_));
  return result_;
}

bool AppendTicket::WaitWithTimeout(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
}

void AppendTicket::OnDone(std::function<void()> fn) {
  {
    absl::MutexLock lock(&mu_);
    if (!done_) {
      on_done_ = std::move(fn);
      return;
    }
  }
  fn();
}

void AppendTicket::Complete(absl::StatusOr<AppendOutcome> result) {
  std::function<void()> fn;
  {
    absl::MutexLock lock(&mu_);
    result_ = std::move(result);
    events_.clear();
    done_ = true;
    fn = std::move(on_done_);
  }
  if (fn) fn();
}

EventLog::EventLog(storage::Store* store, Options options,
                   Dispatcher dispatcher)
    : store_(store), options_(options), dispatcher_(std::move(dispatcher)) {
  if (options_.memory_id_index_entries > 0) {
    memory_index_ = std::make_unique<MemoryIdIndex>(
        store_, options_.memory_id_index_entries, options_.sync);
  }
  if (options_.backend == Options::Backend::kSegments) {
    segment::SegmentLogOptions segment_options;
    segment_options.sync = options_.sync;
    segment_options.segment_bytes = options_.segment_bytes;
    backend_ = NewSegmentLogBackend(options_.segment_dir, segment_options,
                                    options_.allowed_lateness_ms);
    HorizonIdIndexOptions index_options;
    index_options.horizon_events = options_.dedupe_horizon_events;
    index_options.chunk_events = options_.id_index_chunk_events;
    index_options.checkpoint_dir = options_.segment_dir + "/id-index";
    index_options.log_line = [](const std::string& line) {
      logging::Log(logging::Level::kWarning, {"event_log"},
                   absl::StrCat("idempotency index: ", line));
    };
    horizon_index_ = std::make_unique<HorizonIdIndex>(index_options);
  } else {
    backend_ = NewRocksLogBackend(store_, options_.sync);
  }
}

EventLog::~EventLog() { Stop(); }

void EventLog::Start() {
  log_threads_ = std::clamp<size_t>(options_.log_threads, 1,
                                    segment::SegmentLog::kSyncSlots);
  for (size_t i = 0; i < log_threads_; ++i) {
    threads_.emplace_back([this, i] {
      NameThisThread("log-" + std::to_string(i));
      LogThreadLoop();
    });
  }
}

void EventLog::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (!threads_.empty()) {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    // A clean stop leaves nothing of the index to re-read from the log.
    if (horizon_index_ != nullptr) {
      absl::MutexLock lock(&index_mu_);
      horizon_index_->WithdrawSpare();
      if (auto s = horizon_index_->Checkpoint(); !s.ok()) {
        std::fprintf(stderr, "event log: %s\n", std::string(s.message()).c_str());
      }
    }
  }
}

absl::StatusOr<std::shared_ptr<AppendTicket>> EventLog::Submit(
    std::vector<riskflow::v1::Event> events, absl::Duration wait_for_room,
    Lane lane) {
  auto ticket = std::make_shared<AppendTicket>();
  const size_t n = events.size();
  ticket->events_ = std::move(events);
  ticket->priority_ = lane == Lane::kPriority;
  absl::MutexLock lock(&mu_);
  // Each lane has its own bound: a bulk backlog never refuses an Evaluate.
  auto waiting = [this, lane]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return lane == Lane::kPriority
               ? pending_.weight(Lane::kPriority)
               : pending_.weight(Lane::kBulk) + writing_events_;
  };
  const size_t bound = lane == Lane::kPriority ? options_.max_priority_events
                                               : options_.max_pending_events;
  auto has_room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const size_t w = waiting();
    return stopping_ || w == 0 || w + n <= bound;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&has_room), wait_for_room)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ingest queue is full (", waiting(),
        " events waiting for the log); retry with backoff"));
  }
  if (stopping_) {
    return absl::UnavailableError("riskflowd is shutting down");
  }
  pending_.Push(ticket, n, lane);
  return ticket;
}

bool EventLog::CanFinish() const {
  if (finishing_ || written_.empty()) return false;
  const WrittenGroup& front = written_.front();
  return !front.status.ok() || !sync_failed_.ok() ||
         front.last_sequence <= synced_sequence_;
}

// No group is written while one is being dispatched: a dispatch that
// waits for room in the shard queues is how backpressure reaches ingest,
// and groups written meanwhile would put bulk events ahead of the next
// Evaluate. While a group is being synced, another (up to one per log
// thread) is written only when it carries an Evaluate, or when a full
// bulk group is waiting: bulk batches that arrive during a sync otherwise
// wait for it and go out as one larger group, as with a single thread
// (many small groups cost each shard a progress marker and a commit per
// group, which a CPU-bound daemon pays in latency).
bool EventLog::CanWrite() const {
  if (writing_ || finishing_ || pending_.empty()) return false;
  if (written_.empty()) return true;
  return written_.size() < log_threads_ &&
         (pending_.weight(Lane::kPriority) > 0 ||
          pending_.weight(Lane::kBulk) >= options_.max_group_events);
}

bool EventLog::Drained() const {
  return stopping_ && pending_.empty() && written_.empty() && !writing_;
}

void EventLog::LogThreadLoop() {
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return CanFinish() || CanWrite() || Drained();
  };
  // on_idle runs with the finishing role, so never beside a dispatch.
  auto run_on_idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    idle_due_ = false;
    finishing_ = true;
    mu_.Unlock();
    options_.on_idle();
    mu_.Lock();
    finishing_ = false;
  };
  while (true) {
    if (!has_work()) {
      if (idle_due_ && options_.on_idle) {
        if (!mu_.AwaitWithTimeout(absl::Condition(&has_work),
                                  options_.idle_after) &&
            idle_due_ && !finishing_ && !writing_ && written_.empty()) {
          run_on_idle();
        }
      } else {
        mu_.Await(absl::Condition(&has_work));
      }
      continue;
    }
    if (CanFinish()) {
      // Acknowledge and dispatch the oldest group: one thread at a time,
      // so dispatch stays in sequence order.
      WrittenGroup group = std::move(written_.front());
      written_.pop_front();
      if (group.status.ok() && group.last_sequence > synced_sequence_) {
        group.status = absl::UnavailableError(absl::StrCat(
            "the event log could not make this batch durable, so it was not "
            "acknowledged (retry it: a repeat is recognised); the log takes "
            "no more events until riskflowd restarts: ",
            sync_failed_.message()));
      }
      finishing_ = true;
      mu_.Unlock();
      FinishGroup(group);
      mu_.Lock();
      finishing_ = false;
      writing_events_ -= group.events;
      idle_due_ = true;
      continue;
    }
    if (CanWrite()) {
      // The writer role: one synced write covers the whole group, every
      // waiting priority batch first, then bulk batches up to a bound
      // (append_lanes.h).
      writing_ = true;
      std::vector<std::shared_ptr<AppendTicket>> tickets;
      writing_events_ += pending_.TakeGroup(
          options_.max_group_events, options_.max_group_events_with_priority,
          &tickets);
      mu_.Unlock();
      WrittenGroup group = WriteGroup(std::move(tickets));
      const bool wrote = group.wrote;
      mu_.Lock();
      writing_ = false;
      written_.push_back(std::move(group));
      if (!wrote) continue;  // a failed write, or repeats only
      // Sync what this thread wrote while another may write (and sync)
      // the next group.
      mu_.Unlock();
      const absl::Time sync_start = absl::Now();
      absl::StatusOr<uint64_t> synced = backend_->Sync();
      if (options_.sync_micros != nullptr) {
        options_.sync_micros->Observe(
            absl::ToInt64Microseconds(absl::Now() - sync_start));
      }
      mu_.Lock();
      if (!synced.ok()) {
        if (sync_failed_.ok()) sync_failed_ = synced.status();
      } else {
        synced_sequence_ = std::max(synced_sequence_, *synced);
      }
      continue;
    }
    // Drained: stopping, and nothing left to write or finish.
    if (idle_due_ && options_.on_idle && !finishing_) run_on_idle();
    return;
  }
}

absl::StatusOr<std::optional<EventLog::StoredId>> EventLog::LookupStoredEntry(
    std::string_view key) {
  std::string value;
  absl::StatusOr<bool> found = store_->Get(Cf::kIdem, key, &value);
  if (!found.ok()) return found.status();
  StoredId id;
  bool has_hash = false;
  uint64_t hash = 0;
  if (!*found || !DecodeIdemValue(value, &id.sequence, &has_hash, &hash)) {
    return std::nullopt;
  }
  if (has_hash) id.content_hash = hash;
  return id;
}

absl::StatusOr<std::optional<uint64_t>> EventLog::LookupStoredId(
    std::string_view key) {
  absl::StatusOr<std::optional<StoredId>> entry = LookupStoredEntry(key);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::nullopt;
  return (*entry)->sequence;
}

absl::StatusOr<std::optional<uint64_t>> EventLog::LookupId(
    std::string_view channel, std::string_view event_id) {
  if (memory_index_ != nullptr) {
    absl::MutexLock lock(&index_mu_);
    return memory_index_->Lookup(channel, event_id);
  }
  if (horizon_index_ != nullptr) {
    const IdFingerprint fp = FingerprintId(channel, event_id);
    absl::MutexLock lock(&index_mu_);
    std::optional<HorizonIdIndex::Entry> entry = horizon_index_->Lookup(fp);
    // The index learns ids when they are written; until a sync covers
    // them they are not logged yet.
    if (!entry.has_value() || entry->sequence > durable_sequence_.load()) {
      return std::nullopt;
    }
    return entry->sequence;
  }
  return LookupStoredId(IdempotencyKey(channel, event_id));
}

absl::StatusOr<std::optional<LoggedEvent>> EventLog::Read(uint64_t sequence) {
  absl::StatusOr<std::optional<std::string>> value = backend_->Read(sequence);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  LoggedEvent logged;
  logged.sequence = sequence;
  if (auto s = DecodeLogRecord(**value, &logged); !s.ok()) return s;
  return logged;
}

absl::Status EventLog::Scan(uint64_t after,
                            const std::function<bool(LoggedEvent&&)>& fn) {
  absl::Status decode;
  absl::Status scan =
      backend_->Scan(after, [&](uint64_t seq, std::string_view record) {
        LoggedEvent logged;
        logged.sequence = seq;
        decode = DecodeLogRecord(record, &logged);
        if (!decode.ok()) {
          decode = absl::DataLossError(absl::StrCat(
              "event log sequence ", seq, ": ", decode.message()));
          return false;
        }
        return fn(std::move(logged));
      });
  return decode.ok() ? scan : decode;
}

}  // namespace riskflow::log
