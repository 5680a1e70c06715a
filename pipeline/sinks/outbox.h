#ifndef RISKFLOW_PIPELINE_SINKS_OUTBOX_H_
#define RISKFLOW_PIPELINE_SINKS_OUTBOX_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "rocksdb/write_batch.h"

namespace riskflow::sinks {

// A decision ready to commit: its serialized form (made once; the bytes
// must outlive the commit), its routes, and whether the same write stores
// it in the decision store. Not the decision itself: that is usually gone
// by the commit (engine::EncodedDecisions).
struct PendingDecision {
  uint32_t routes;  // RouteBits of the decision
  std::string_view bytes;
  // Nonzero: the same write stores these bytes in the decision store
  // under this log sequence, and the outbox entries refer to them there
  // instead of holding a second copy (OutboxEntryRef).
  uint64_t stored_sequence = 0;
};

// Bit r set: the decision goes to Route r. The router lists a route once.
uint32_t RouteBits(const riskflow::v1::Decision& d);

// The durable outboxes of the FREEZE, MANUAL_REVIEW and NOTIFY sinks, in
// RocksDB. Each sink has a gap-free monotonic sequence; consumers read
// after a cursor and may store named cursors here.
class Outbox {
 public:
  explicit Outbox(storage::Store* store);

  // Recovers each sink's last sequence.
  absl::Status Open();

  // Adds an outbox entry per non-PASS route of each decision to batch and
  // writes the batch. Sequences are assigned and the write happens under
  // one lock, so sink order is commit order and readers never see a gap.
  // When the write fails, the batch is left as it was given (no entries
  // added), so the caller can retry it: each attempt assigns sequences
  // anew.
  absl::Status Commit(rocksdb::WriteBatch* batch,
                      const std::vector<PendingDecision>& decisions,
                      bool sync);

  // Tests: called in Commit after the entries are added, instead of
  // nothing; a non-OK status fails that Commit as a failed write would.
  using CommitFault = std::function<absl::Status(
      const std::vector<PendingDecision>& decisions)>;
  void SetCommitFaultForTesting(CommitFault fault);

  uint64_t LastSequence(riskflow::v1::Route sink) const;

  // Waits until sink has an entry beyond `after`, the timeout passes or
  // Shutdown is called. Returns the sink's last sequence.
  uint64_t WaitBeyond(riskflow::v1::Route sink, uint64_t after,
                      absl::Duration timeout);

  // Up to max entries with sequence > after, in order, sink_sequence set.
  // An entry that does not parse is repaired or replaced by a placeholder
  // (see sink_entry.h), never an error: one bad entry must not block the
  // sink.
  absl::Status Read(riskflow::v1::Route sink, uint64_t after, size_t max,
                    std::vector<riskflow::v1::Decision>* out);

  absl::Status CommitCursor(riskflow::v1::Route sink,
                            const std::string& consumer, uint64_t sequence);
  absl::StatusOr<uint64_t> GetCursor(riskflow::v1::Route sink,
                                     const std::string& consumer);

  // Every committed cursor (for the per-consumer backlog metric).
  struct CursorInfo {
    riskflow::v1::Route sink;
    std::string consumer;
    uint64_t sequence;
  };
  absl::StatusOr<std::vector<CursorInfo>> ListCursors();

  // Wakes every WaitBeyond (daemon shutdown).
  void Shutdown();

  static bool IsSink(riskflow::v1::Route route);

 private:
  static size_t Index(riskflow::v1::Route sink);
  // The commit path's entries: one Put per sink route, numbered from next.
  void AddEntries(rocksdb::WriteBatch* batch,
                  const std::vector<PendingDecision>& decisions,
                  std::array<uint64_t, 5>* next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Store* store_;
  mutable absl::Mutex mu_;
  std::array<uint64_t, 5> last_ ABSL_GUARDED_BY(mu_) = {0, 0, 0, 0, 0};
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  CommitFault commit_fault_ ABSL_GUARDED_BY(mu_);
};

std::string OutboxKey(riskflow::v1::Route sink, uint64_t sequence);

// An outbox entry is either a whole encoded decision (sink_entry.h) or a
// reference to the one the decision store holds under a log sequence:
// kOutboxRefTag and that store key (9 bytes). A decision alerts on up to a
// quarter of a busy stream's events; writing it once, not twice, saves
// the second copy's memtable insert, WAL bytes, flush and compaction
// (docs/benchmarks.md, "Issue 9, eleventh session"). A serialized
// Decision never starts with 0x00 (field number 0 does not exist).
inline constexpr char kOutboxRefTag = '\0';
std::string OutboxEntryRef(uint64_t decision_sequence);
// The log sequence an entry refers to, or false for a whole decision.
bool ParseOutboxEntryRef(std::string_view value, uint64_t* decision_sequence);

}  // namespace riskflow::sinks

#endif  // RISKFLOW_PIPELINE_SINKS_OUTBOX_H_
