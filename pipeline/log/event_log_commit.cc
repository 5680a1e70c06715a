// EventLog::WriteGroup: one group of submitted batches -> idempotency
// check, sequences and watermarks, one backend write; FinishGroup: once a
// sync covers it, acks, then dispatch.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "pipeline/log/content_hash.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/log_keys.h"

namespace riskflow::log {

EventLog::WrittenGroup EventLog::WriteGroup(
    std::vector<std::shared_ptr<AppendTicket>> group) {
  GroupWrite write;
  write.first_sequence = last_sequence_ + 1;
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
  // The segment backend's index learns each new id (in sequence order) once
  // the group is written: the next group, written before this one may be
  // durable, must see them. (LookupId hides what is not yet durable.)
  const bool horizon = horizon_index_ != nullptr;
  const bool fingerprints = memory_index_ != nullptr || horizon;
  std::vector<std::pair<IdFingerprint, uint64_t>> new_ids;
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
      if (fingerprints) {
        fingerprint = FingerprintId(event.channel_id(), event.event_id());
        if (auto it = group_fingerprints.find(fingerprint);
            it != group_fingerprints.end()) {
          first = &it->second;
        } else if (horizon) {
          if (std::optional<HorizonIdIndex::Entry> e =
                  horizon_index_->Lookup(fingerprint)) {
            stored = StoredId{e->sequence, e->content_hash};
          }
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
        if (stored->content_hash.has_value() && !content_hash.has_value()) {
          content_hash = ContentHash(event);
        }
        const bool differs = stored->content_hash.has_value() &&
                             content_hash.has_value() &&
                             *stored->content_hash != *content_hash;
        repeat(stored->sequence, differs ? Conflict::kResend : Conflict::kNone);
        continue;
      }
      ++seq;
      const int64_t watermark = max_time - options_.allowed_lateness_ms;
      max_time = std::max(max_time, std::min(event.event_time_ms(), now));
      if (horizon) {
        // One deterministic serialization gives the record and its hash.
        uint64_t hash = 0;
        write.records.push_back(EncodeHashedLogRecord(watermark, event, &hash));
        content_hash = hash;
        new_ids.emplace_back(fingerprint, hash);
      } else if (options_.store_records) {
        write.records.push_back(EncodeLogRecord(watermark, event));
      }
      const FirstSeen seen{seq, g, fresh.size(), content_hash};
      if (fingerprints) {
        group_fingerprints.emplace(fingerprint, seen);
      } else {
        write.idem_entries.emplace_back(key,
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

  WrittenGroup written;
  if (status.ok() && !fresh.empty()) {
    write.max_event_time_ms = max_time;
    write.last_sequence = seq;
    status = backend_->Write(write);
    written.wrote = status.ok();
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
    uint64_t id_seq = write.first_sequence;
    for (const auto& [fingerprint, hash] : new_ids) {
      horizon_index_->Append(id_seq++, fingerprint, hash);
    }
  } else {
    written.status = absl::UnavailableError(absl::StrCat(
        "the event log write failed, nothing of this batch was stored: ",
        status.message()));
  }
  index_mu_.Unlock();

  written.tickets = std::move(group);
  written.outcomes = std::move(outcomes);
  written.fresh = std::move(fresh);
  written.events = submitted;
  written.last_sequence = seq;
  return written;
}

void EventLog::FinishGroup(WrittenGroup& group) {
  if (group.status.ok()) durable_sequence_.store(group.last_sequence);
  for (size_t g = 0; g < group.tickets.size(); ++g) {
    if (group.status.ok()) {
      group.outcomes[g].durable_sequence = group.last_sequence;
      group.tickets[g]->Complete(std::move(group.outcomes[g]));
    } else {
      group.tickets[g]->Complete(group.status);
    }
  }
  if (group.status.ok() && !group.fresh.empty()) {
    dispatcher_(std::move(group.fresh));
  }
}

}  // namespace riskflow::log
