#include "pipeline/log/event_log.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
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
}

EventLog::~EventLog() { Stop(); }

absl::Status EventLog::Open() {
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kLog);
  it->SeekToLast();
  if (it->Valid()) {
    rocksdb::Slice key = it->key();
    if (!DecodeSequenceKey(std::string_view(key.data(), key.size()),
                           &last_sequence_)) {
      return absl::DataLossError("event log holds a malformed sequence key");
    }
  }
  if (auto s = store_->IteratorStatus(*it, "reading the event log tail");
      !s.ok()) {
    return s;
  }
  std::string value;
  absl::StatusOr<bool> found = store_->Get(Cf::kMeta, kMetaMaxEventTime, &value);
  if (!found.ok()) return found.status();
  if (*found && value.size() == 8) {
    max_event_time_ms_ = static_cast<int64_t>(GetFixed64(value));
  }
  if (options_.clock) {
    // Heals a store whose max event time was dragged into the future before
    // the clamp existed (or by a clock that was wrong then).
    max_event_time_ms_ = std::min(max_event_time_ms_, options_.clock());
  }
  if (memory_index_ != nullptr) {
    // Every group that logs an event stores the max event time, even when
    // records are not kept, so its presence means "events were logged".
    if (*found) {
      return absl::FailedPreconditionError(
          "the in-memory idempotency index needs an empty log store, but "
          "this one has logged events before (its max event time is set); "
          "the index cannot know their ids, so open a fresh store or use "
          "memory_id_index_entries = 0");
    }
    if (auto s = CheckEmptyForMemoryIndex(); !s.ok()) return s;
  }
  durable_sequence_.store(last_sequence_);
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

void EventLog::Start() {
  writer_ = std::thread([this] { WriterLoop(); });
}

void EventLog::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
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

void EventLog::WriterLoop() {
  while (true) {
    std::vector<std::shared_ptr<AppendTicket>> group;
    size_t n = 0;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (pending_.empty()) return;  // stopping and drained
      // One synced write covers the whole group: every waiting priority
      // batch first, then bulk batches up to a bound (append_lanes.h).
      n = pending_.TakeGroup(options_.max_group_events,
                             options_.max_group_events_with_priority, &group);
      writing_events_ = n;
    }
    CommitGroup(group);
    absl::MutexLock lock(&mu_);
    writing_events_ = 0;
  }
}

void EventLog::CommitGroup(std::vector<std::shared_ptr<AppendTicket>>& group) {
  rocksdb::WriteBatch batch;
  std::vector<AppendOutcome> outcomes(group.size());
  std::vector<LoggedEvent> fresh;
  size_t submitted = 0;
  for (const auto& t : group) submitted += t->events_.size();
  fresh.reserve(submitted);  // growing would move every Event again
  // Ids first seen within this group: a later copy is a duplicate of it, or
  // a conflict when its content differs. Keyed like the index in use; the
  // memory index learns them only once the group's write succeeded, as the
  // store index does through the batch.
  struct FirstSeen {
    uint64_t sequence;
    size_t ticket;       // index in `group`
    size_t fresh_index;  // index in `fresh` (reserved, never reallocated)
    std::optional<uint64_t> content_hash;  // computed lazily in memory mode
  };
  absl::flat_hash_map<std::string, FirstSeen> group_ids;
  absl::flat_hash_map<IdFingerprint, FirstSeen> group_fingerprints;
  uint64_t seq = last_sequence_;
  int64_t max_time = max_event_time_ms_;
  // One clock reading per group: the clamp only needs to keep the
  // watermark from running ahead of real time, not to be exact.
  const int64_t now = options_.clock ? options_.clock()
                                     : std::numeric_limits<int64_t>::max();
  absl::Status status;

  // One lock per group keeps LookupId callers off the map while the writer
  // reads and (after the write) inserts and spills.
  index_mu_.Lock();
  if (memory_index_ != nullptr && memory_index_->over_budget()) {
    // A spill failed after an earlier group was acknowledged; take no more
    // ids until it goes through, so memory overshoots by one group at most.
    status = memory_index_->Spill();
  }

  for (size_t g = 0; g < group.size() && status.ok(); ++g) {
    auto& events = group[g]->events_;
    AppendOutcome& out = outcomes[g];
    out.sequences.reserve(events.size());
    out.duplicate.reserve(events.size());
    out.conflict.reserve(events.size());
    auto repeat = [&out](uint64_t original, Conflict conflict) {
      out.sequences.push_back(original);
      out.duplicate.push_back(true);
      out.conflict.push_back(conflict);
    };
    for (auto& event : events) {
      std::string key;
      IdFingerprint fingerprint;
      FirstSeen* first = nullptr;
      std::optional<StoredId> stored;
      std::optional<uint64_t> content_hash;
      if (memory_index_ != nullptr) {
        fingerprint = FingerprintId(event.channel_id(), event.event_id());
        if (auto it = group_fingerprints.find(fingerprint);
            it != group_fingerprints.end()) {
          first = &it->second;
        } else {
          absl::StatusOr<std::optional<uint64_t>> found =
              memory_index_->Lookup(fingerprint);
          if (!found.ok()) {
            status = found.status();
            break;
          }
          if (found->has_value()) stored = StoredId{**found, std::nullopt};
        }
      } else {
        // The store index keeps every new event's content hash.
        content_hash = ContentHash(event);
        key = IdempotencyKey(event.channel_id(), event.event_id());
        if (auto it = group_ids.find(key); it != group_ids.end()) {
          first = &it->second;
        } else {
          absl::StatusOr<std::optional<StoredId>> found =
              LookupStoredEntry(key);
          if (!found.ok()) {
            status = found.status();
            break;
          }
          stored = *found;
        }
      }
      if (first != nullptr) {
        if (!first->content_hash.has_value()) {
          first->content_hash = ContentHash(fresh[first->fresh_index].event);
        }
        if (!content_hash.has_value()) content_hash = ContentHash(event);
        Conflict conflict = Conflict::kNone;
        if (*first->content_hash != *content_hash) {
          conflict = first->ticket == g ? Conflict::kInBatch : Conflict::kResend;
        }
        repeat(first->sequence, conflict);
        continue;
      }
      if (stored.has_value()) {
        const bool differs = stored->content_hash.has_value() &&
                             content_hash.has_value() &&
                             *stored->content_hash != *content_hash;
        repeat(stored->sequence, differs ? Conflict::kResend : Conflict::kNone);
        continue;
      }
      ++seq;
      const int64_t watermark = max_time - options_.allowed_lateness_ms;
      max_time = std::max(max_time, std::min(event.event_time_ms(), now));
      std::string seq_key = SequenceKey(seq);
      if (options_.store_records) {
        batch.Put(store_->handle(Cf::kLog), seq_key,
                  EncodeLogRecord(watermark, event));
      }
      const FirstSeen seen{seq, g, fresh.size(), content_hash};
      if (memory_index_ != nullptr) {
        group_fingerprints.emplace(fingerprint, seen);
      } else {
        batch.Put(store_->handle(Cf::kIdem), key,
                  EncodeIdemValue(seq, *content_hash));
        group_ids.emplace(std::move(key), seen);
      }
      out.sequences.push_back(seq);
      out.duplicate.push_back(false);
      out.conflict.push_back(Conflict::kNone);
      LoggedEvent logged;
      logged.sequence = seq;
      logged.watermark_ms = watermark;
      logged.priority = group[g]->priority_;
      logged.event = std::move(event);
      fresh.push_back(std::move(logged));
    }
  }

  if (status.ok() && !fresh.empty()) {
    std::string time_value;
    PutFixed64(&time_value, static_cast<uint64_t>(max_time));
    batch.Put(store_->handle(Cf::kMeta), kMetaMaxEventTime, time_value);
    status = store_->Write(&batch, options_.sync);
  }

  if (status.ok()) {
    last_sequence_ = seq;
    max_event_time_ms_ = max_time;
    if (memory_index_ != nullptr) {
      for (const auto& [fingerprint, s] : group_fingerprints) {
        // A failed spill keeps the entry in memory, so the index is still
        // exact and the group is still acknowledged; the next group retries
        // the spill and fails if the store still refuses it.
        memory_index_->Insert(fingerprint, s.sequence).IgnoreError();
      }
    }
    durable_sequence_.store(seq);
  } else {
    status = absl::UnavailableError(absl::StrCat(
        "the event log write failed, nothing of this batch was stored: ",
        status.message()));
  }
  index_mu_.Unlock();

  for (size_t g = 0; g < group.size(); ++g) {
    if (status.ok()) {
      outcomes[g].durable_sequence = seq;
      group[g]->Complete(std::move(outcomes[g]));
    } else {
      group[g]->Complete(status);
    }
  }
  if (status.ok() && !fresh.empty()) dispatcher_(std::move(fresh));
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
  return LookupStoredId(IdempotencyKey(channel, event_id));
}

absl::StatusOr<std::optional<LoggedEvent>> EventLog::Read(uint64_t sequence) {
  std::string value;
  absl::StatusOr<bool> found =
      store_->Get(Cf::kLog, SequenceKey(sequence), &value);
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  LoggedEvent logged;
  logged.sequence = sequence;
  if (auto s = DecodeLogRecord(value, &logged); !s.ok()) return s;
  return logged;
}

absl::Status EventLog::Scan(uint64_t after,
                            const std::function<bool(LoggedEvent&&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kLog);
  for (it->Seek(SequenceKey(after + 1)); it->Valid(); it->Next()) {
    LoggedEvent logged;
    rocksdb::Slice key = it->key();
    rocksdb::Slice value = it->value();
    if (!DecodeSequenceKey(std::string_view(key.data(), key.size()),
                           &logged.sequence)) {
      return absl::DataLossError("event log holds a malformed sequence key");
    }
    if (auto s = DecodeLogRecord(std::string_view(value.data(), value.size()),
                                 &logged);
        !s.ok()) {
      return absl::DataLossError(
          absl::StrCat("event log sequence ", logged.sequence, ": ",
                       s.message()));
    }
    if (!fn(std::move(logged))) break;
  }
  return store_->IteratorStatus(*it, "scanning the event log");
}

}  // namespace riskflow::log
