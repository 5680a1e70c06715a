#include "pipeline/engine/batch_commit.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::engine {

using storage::Cf;

BatchCommit::BatchCommit(const CommitTarget& target) : target_(target) {}

namespace {

// What the commit writes of a decision: one with annotations is stored
// (a clean PASS is rebuilt from its log record on look-up), one routed
// to a sink gets an entry in each of its sinks.
bool Stored(const CommitTarget& t, const riskflow::v1::Decision& d) {
  return t.store_decisions && d.annotations_size() > 0;
}
bool Sunk(const CommitTarget& t, const riskflow::v1::Decision& d) {
  return t.write_outboxes && d.route() != riskflow::v1::PASS;
}

// A buffer that grew beyond this (decisions near the entry limit) is
// freed at the batch's end rather than kept for the next one.
constexpr size_t kKeptBytes = 4 << 20;

}  // namespace

void EncodedDecisions::Add(const CommitTarget& target,
                           riskflow::v1::Decision* d) {
  Entry entry;
  entry.offset = buffer_.size();
  entry.stored = Stored(target, *d);
  if (Sunk(target, *d)) entry.sink_routes = sinks::RouteBits(*d);
  if (entry.stored || entry.sink_routes != 0) {
    // Valid UTF-8 and bounded, so the entry can always be read back (and
    // the decision published equals the one stored).
    sinks::AppendEncodedDecision(d, &buffer_);
  } else if (d->annotations_size() > 0) {
    sinks::MakeStorable(d);
  }
  entry.size = static_cast<uint32_t>(buffer_.size() - entry.offset);
  entries_.push_back(entry);
  sequences_.push_back(d->sequence());
}

void EncodedDecisions::Clear() {
  if (buffer_.capacity() > kKeptBytes) std::string().swap(buffer_);
  buffer_.clear();
  entries_.clear();
  sequences_.clear();
}

void BatchCommit::AddDecisions(const EncodedDecisions& encoded) {
  for (size_t i = 0; i < encoded.size(); ++i) {
    const std::string_view bytes = encoded.bytes(i);
    if (encoded.stored(i)) {
      batch_.Put(target_.store->handle(Cf::kDecisions),
                 storage::SequenceKey(encoded.sequences()[i]),
                 rocksdb::Slice(bytes.data(), bytes.size()));
    }
    if (encoded.sink_routes(i) != 0) {
      // A stored decision's sink entries refer to it (OutboxEntryRef).
      pending_.push_back(sinks::PendingDecision{
          encoded.sink_routes(i), bytes,
          encoded.stored(i) ? encoded.sequences()[i] : 0});
    }
  }
}

void BatchCommit::AddCheckpoint(state::ShardState* state, uint64_t through) {
  has_checkpoint_ = true;
  state->FlushTo(&batch_);
  batch_.Put(target_.store->handle(Cf::kMeta),
             ShardLayouts::OffsetKey(target_.shard_count, target_.shard_index),
             storage::SequenceKey(through));
}

absl::Status BatchCommit::Write() {
  return target_.outbox->Commit(&batch_, pending_, target_.sync);
}

bool BatchCommit::WriteWithRetry(absl::Notification* stopping,
                                 logging::RateLimiter* limiter,
                                 uint64_t last_checkpoint) {
  return engine::WriteWithRetry([this] { return Write(); },
                                target_.shard_index, stopping, limiter,
                                last_checkpoint);
}

bool WriteWithRetry(const std::function<absl::Status()>& write,
                    uint32_t shard_index, absl::Notification* stopping,
                    logging::RateLimiter* limiter, uint64_t last_checkpoint) {
  constexpr int kAttemptsWhenStopping = 3;
  absl::Duration backoff = absl::Milliseconds(10);
  int attempts_stopping = 0;
  const logging::Component where{"engine", static_cast<int>(shard_index)};
  for (int attempt = 1;; ++attempt) {
    absl::Status s = write();
    if (s.ok()) return true;
    logging::LogRateLimited(
        *limiter, logging::Level::kError, where,
        absl::StrCat("commit failed (attempt ", attempt, "): ", s.message()));
    if (stopping->HasBeenNotified() &&
        ++attempts_stopping >= kAttemptsWhenStopping) {
      logging::Log(logging::Level::kError, where,
                   absl::StrCat("gives up its commit at shutdown; its events "
                                "after sequence ", last_checkpoint,
                                " are decided again at the next start"));
      return false;
    }
    if (stopping->HasBeenNotified()) {
      absl::SleepFor(std::min(backoff, absl::Milliseconds(50)));
    } else {
      stopping->WaitForNotificationWithTimeout(backoff);  // Stop wakes it
    }
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

void BatchCommit::AddHoldIndex(
    const std::vector<std::pair<std::string, std::optional<router::Hold>>>&
        changes) {
  router::AddToHoldIndex(target_.store, changes, &batch_);
}

}  // namespace riskflow::engine
