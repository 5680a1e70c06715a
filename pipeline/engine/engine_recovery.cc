// Engine: recovery after a crash or a change of shard count — the
// background catch-up over the log after the shards' checkpoints
// (docs/recovery.md, docs/architecture.md "Durability"). The rest of the
// engine is in engine.cc.
#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "pipeline/common/background_thread.h"
#include "pipeline/common/logger.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/engine/stored_decisions.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::engine {

using storage::Cf;

absl::Status Engine::Recover(log::EventLog* log) {
  if (auto s = StartRecovery(log); !s.ok()) return s;
  return WaitRecovered();
}

absl::Status Engine::WaitRecovered() {
  if (recovery_thread_.joinable()) recovery_thread_.join();
  return recovery_status_;
}

absl::Status Engine::StartRecovery(log::EventLog* log) {
  log_ = log;
  const uint32_t n = shard_count();
  absl::StatusOr<ShardLayouts> layouts =
      ShardLayouts::Load(store_, start_after_sequence_);
  if (!layouts.ok()) return layouts.status();
  const std::string before = layouts->Describe();
  // Durably one of the layouts before any shard of it commits, so a kill
  // from here on leaves offsets that the next start reads.
  if (auto s = layouts->Register(store_, n); !s.ok()) return s;
  const std::vector<uint64_t>& resume = layouts->Offsets(n);
  for (uint32_t k = 0; k < n; ++k) shards_[k]->ResumeAfter(resume[k]);
  // Quiet on a fresh store (every replay starts with one).
  const bool announce = log->durable_sequence() > layouts->ScanFrom();
  if (announce) {
    logging::Log(logging::Level::kInfo, {"engine"},
                 absl::StrCat("recovering: ", n, " shards (store layouts ",
                              before, "), re-deciding logged events after "
                              "sequence ", layouts->ScanFrom()));
  }
  {
    absl::MutexLock lock(&dispatch_mu_);
    catching_up_ = true;
  }
  recovering_.store(true);
  shards_catching_up_.store(true);
  recovery_thread_ = std::thread([this, announce,
                                  l = std::move(*layouts)]() mutable {
    NameThisThread("catch-up");
    const absl::Time started = absl::Now();
    recovery_status_ = CatchUp(std::move(l));
    shards_catching_up_.store(false);
    recovering_.store(false);
    if (!recovery_status_.ok() && !stopped_) {
      logging::Log(logging::Level::kError, {"engine"},
                   absl::StrCat("recovery failed: ",
                                recovery_status_.message(),
                                "; events after the checkpoints may stay "
                                "undecided until a restart"));
    } else if (recovery_status_.ok() && announce) {
      logging::Log(logging::Level::kInfo, {"engine"},
                   absl::StrCat("recovery done in ",
                                absl::FormatDuration(absl::Now() - started)));
    }
  });
  return absl::OkStatus();
}

absl::Status Engine::CatchUp(ShardLayouts layouts) {
  // Events logged before this start may have been decided (their decision
  // stored) after the last checkpoint; later ones cannot have been.
  const uint64_t logged_at_start = log_->durable_sequence();
  const absl::Time catch_up_started = absl::Now();
  uint64_t from = layouts.ScanFrom();
  uint64_t replayed = 0;
  // Which re-run events were decided (and published) before the crash: one
  // forward scan of the decision store alongside the log's.
  StoredDecisionCursor stored_decisions(store_, from, logged_at_start);
  while (true) {
    const uint64_t target = log_->durable_sequence();
    std::vector<log::LoggedEvent> batch;
    std::vector<int8_t> stored;
    auto flush = [&] {
      absl::MutexLock lock(&dispatch_mu_);
      DispatchLocked(std::move(batch), logged_at_start, &layouts, &stored);
      batch.clear();
      stored.clear();
    };
    std::shared_ptr<const StageLayout> stage_layout;
    {
      absl::MutexLock lock(&dispatch_mu_);
      stage_layout = stage_layout_;
    }
    absl::Status scan = log_->Scan(from, [&](log::LoggedEvent&& e) {
      if (e.sequence > target) return false;
      // With keyed stages, an event whose decision is done may still have
      // a stage whose state lacks it (docs/keyed-stages.md, "Recovery").
      if (e.sequence > logged_at_start ||
          (stage_layout->keyed()
               ? NeedsRerun(*stage_layout, layouts, e)
               : !layouts.Decided(e.sequence, e.event.account_id()))) {
        const std::optional<bool> decided =
            e.sequence <= logged_at_start
                ? stored_decisions.Stored(e.sequence)
                : std::nullopt;
        stored.push_back(decided.has_value() ? (*decided ? 1 : 0) : -1);
        batch.push_back(std::move(e));
        ++replayed;
        if (batch.size() >= 4096) flush();
      }
      return !stopped_;
    });
    if (!scan.ok()) {
      absl::MutexLock lock(&dispatch_mu_);
      catching_up_ = false;  // the live dispatch goes on regardless
      return scan;
    }
    flush();
    if (stopped_) {
      // The scan may have stopped short of `target`: no marker may claim
      // events it never dispatched (a shard's last checkpoint would cover
      // them). What was dispatched carries its own markers.
      absl::MutexLock lock(&dispatch_mu_);
      catching_up_ = false;
      return absl::CancelledError("engine stopping during recovery");
    }
    from = std::max(from, target);
    absl::MutexLock lock(&dispatch_mu_);
    if (live_seen_through_ <= from) {
      // Caught up: markers bring every shard's progress to `from` (also
      // shards whose events were all decided), then the live dispatch
      // takes over.
      if (from > 0) {
        for (auto& shard : shards_) {
          std::vector<ShardItem> marker(1);
          marker[0].through = from;
          shard->Enqueue(std::move(marker));
        }
        dispatched_.store(std::max(dispatched_.load(), from));
      }
      catching_up_ = false;
      break;
    }
  }
  if (from > 0) {
    if (auto s = WaitUntilProcessed(from, absl::Hours(24)); !s.ok()) {
      return s;
    }
  }
  // Every event of the tail is decided and the live dispatch has taken
  // over: caught up. What remains is bookkeeping for the next start (the
  // end checkpoint and the layouts' collapse), written while live events
  // flow, as any checkpoint is; a kill before it is done re-runs the tail
  // from the older checkpoints, as a kill during the catch-up does.
  shards_catching_up_.store(false);
  recovering_.store(false);
  if (replayed > 0) {
    logging::Log(logging::Level::kInfo, {"engine"},
                 absl::StrCat("recovery caught up: ", replayed,
                              " events re-run in ",
                              absl::FormatDuration(absl::Now() -
                                                   catch_up_started),
                              "; writing the end checkpoint"));
  }
  if (from > 0) {
    // Everything up to `from` in one checkpoint per shard before the
    // layouts collapse: after the collapse, only the checkpoints say what
    // is decided.
    if (auto s = CheckpointAll(from, absl::Hours(24)); !s.ok()) return s;
  }
  // Later lookups of clean PASS decisions after `from` name this version.
  if (auto s = versions_.Record(store_, from, pipeline()->version_hash());
      !s.ok()) {
    return s;
  }
  uint64_t rerun = 0;
  for (auto& shard : shards_) rerun += shard->recovered_already_decided();
  if (replayed > 0) {
    logging::Log(logging::Level::kInfo, {"engine"},
                 absl::StrCat("recovered ", replayed, " events after the "
                              "checkpoints (", rerun, " of them decided "
                              "before the crash: re-run for state, not "
                              "published again)"));
  }
  // One layout again, with every shard checkpointed at or beyond `from`.
  return layouts.Collapse(store_, shard_count(), from);
}

}  // namespace riskflow::engine
