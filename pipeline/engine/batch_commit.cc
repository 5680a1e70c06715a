#include "pipeline/engine/batch_commit.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::engine {

using storage::Cf;

BatchCommit::BatchCommit(const CommitTarget& target) : target_(target) {}

void BatchCommit::AddDecisions(std::vector<riskflow::v1::Decision>* decisions) {
  decisions_added_ = true;
  auto stored = [this](const riskflow::v1::Decision& d) {
    return target_.store_decisions && d.annotations_size() > 0;
  };
  auto sunk = [this](const riskflow::v1::Decision& d) {
    return target_.write_outboxes && d.route() != riskflow::v1::PASS;
  };
  // Sized once (pending_ points into it), and only for the decisions that
  // are encoded: most are clean PASSes, and a vector of a string per event
  // cost a page fault every few micro-batches on fresh memory.
  size_t encoded = 0;
  for (const riskflow::v1::Decision& d : *decisions) {
    if (stored(d) || sunk(d)) ++encoded;
  }
  bytes_.assign(encoded, std::string());
  size_t next = 0;
  for (riskflow::v1::Decision& d : *decisions) {
    const bool store = stored(d);
    const bool sink = sunk(d);
    if (!store && !sink) {
      if (d.annotations_size() > 0) sinks::MakeStorable(&d);
      continue;
    }
    // Valid UTF-8 and bounded, so the entry can always be read back (and
    // the decision published equals the one stored).
    std::string& bytes = bytes_[next++];
    sinks::EncodeDecision(&d, &bytes);
    if (store) {
      batch_.Put(target_.store->handle(Cf::kDecisions),
                 storage::SequenceKey(d.sequence()), bytes);
    }
    if (sink) pending_.push_back(sinks::PendingDecision{&d, &bytes});
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
