#include "pipeline/sinks/outbox.h"

#include "absl/strings/str_cat.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/iterator.h"

namespace riskflow::sinks {

using riskflow::v1::Route;
using storage::Cf;

std::string OutboxKey(Route sink, uint64_t sequence) {
  std::string key(1, static_cast<char>(sink));
  key += storage::SequenceKey(sequence);
  return key;
}

std::string OutboxEntryRef(uint64_t decision_sequence) {
  std::string value(1, kOutboxRefTag);
  value += storage::SequenceKey(decision_sequence);
  return value;
}

bool ParseOutboxEntryRef(std::string_view value, uint64_t* decision_sequence) {
  if (value.size() != 9 || value[0] != kOutboxRefTag) return false;
  return storage::DecodeSequenceKey(value.substr(1), decision_sequence);
}

namespace {

// Every sink, most severe first.
constexpr Route kSinks[] = {riskflow::v1::FREEZE, riskflow::v1::MANUAL_REVIEW,
                            riskflow::v1::NOTIFY};

std::string CursorKey(Route sink, const std::string& consumer) {
  return absl::StrCat("cursor/", riskflow::v1::Route_Name(sink), "/",
                      consumer);
}

}  // namespace

Outbox::Outbox(storage::Store* store) : store_(store) {}

bool Outbox::IsSink(Route route) {
  return route == riskflow::v1::FREEZE || route == riskflow::v1::NOTIFY ||
         route == riskflow::v1::MANUAL_REVIEW;
}

size_t Outbox::Index(Route sink) { return static_cast<size_t>(sink) % 5; }

absl::Status Outbox::Open() {
  absl::MutexLock lock(&mu_);
  for (Route sink : kSinks) {
    std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kOutbox);
    // Last key of this sink's range: seek before the next sink's prefix.
    it->SeekForPrev(OutboxKey(sink, UINT64_MAX));
    uint64_t seq = 0;
    if (it->Valid() && it->key().size() == 9 &&
        static_cast<Route>(it->key()[0]) == sink) {
      storage::DecodeSequenceKey(std::string_view(it->key().data() + 1, 8),
                                 &seq);
    }
    if (auto s = store_->IteratorStatus(*it, "reading the sink outboxes");
        !s.ok()) {
      return s;
    }
    last_[Index(sink)] = seq;
  }
  return absl::OkStatus();
}

absl::Status Outbox::Commit(rocksdb::WriteBatch* batch,
                            const std::vector<PendingDecision>& decisions,
                            bool sync) {
  absl::MutexLock lock(&mu_);
  // A failed write hands the batch back as it came: the entries below use
  // sequences that are only reserved if the write succeeds, and a retry
  // after another shard's commit must not write them again.
  batch->SetSavePoint();
  std::array<uint64_t, 5> next = last_;
  AddEntries(batch, decisions, &next);
  absl::Status s = commit_fault_ ? commit_fault_(decisions) : absl::OkStatus();
  if (s.ok()) s = store_->Write(batch, sync);
  if (s.ok()) {
    last_ = next;
    batch->PopSavePoint().PermitUncheckedError();
  } else {
    batch->RollbackToSavePoint().PermitUncheckedError();
  }
  return s;
}

void Outbox::AddEntries(rocksdb::WriteBatch* batch,
                        const std::vector<PendingDecision>& decisions,
                        std::array<uint64_t, 5>* next) {
  std::string ref;
  for (const PendingDecision& p : decisions) {
    rocksdb::Slice value(p.bytes.data(), p.bytes.size());
    if (p.stored_sequence != 0) {
      ref = OutboxEntryRef(p.stored_sequence);
      value = rocksdb::Slice(ref);
    }
    for (Route sink : kSinks) {
      if ((p.routes >> sink & 1) == 0) continue;
      batch->Put(store_->handle(Cf::kOutbox),
                 OutboxKey(sink, ++(*next)[Index(sink)]), value);
    }
  }
}

uint32_t RouteBits(const riskflow::v1::Decision& d) {
  uint32_t bits = 0;
  for (int r : d.routes()) {
    if (r >= 0 && r < 32) bits |= uint32_t{1} << r;
  }
  return bits;
}

void Outbox::SetCommitFaultForTesting(CommitFault fault) {
  absl::MutexLock lock(&mu_);
  commit_fault_ = std::move(fault);
}

uint64_t Outbox::LastSequence(Route sink) const {
  absl::MutexLock lock(&mu_);
  return last_[Index(sink)];
}

uint64_t Outbox::WaitBeyond(Route sink, uint64_t after,
                            absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const size_t i = Index(sink);
  auto ready = [this, i, after]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return shutdown_ || last_[i] > after;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  return last_[i];
}

absl::Status Outbox::Read(Route sink, uint64_t after, size_t max,
                          std::vector<riskflow::v1::Decision>* out) {
  const uint64_t last = LastSequence(sink);
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kOutbox);
  std::string stored;  // a referred decision's bytes (OutboxEntryRef)
  for (it->Seek(OutboxKey(sink, after + 1)); it->Valid() && out->size() < max;
       it->Next()) {
    rocksdb::Slice key = it->key();
    if (key.size() != 9 || static_cast<Route>(key[0]) != sink) break;
    uint64_t seq = 0;
    storage::DecodeSequenceKey(std::string_view(key.data() + 1, 8), &seq);
    // Only what a completed Commit published; never a half-visible batch.
    if (seq > last) break;
    std::string_view value(it->value().data(), it->value().size());
    uint64_t decision_sequence = 0;
    bool missing = false;
    if (ParseOutboxEntryRef(value, &decision_sequence)) {
      // Written in the same batch as the entry, and never rewritten.
      absl::StatusOr<bool> found = store_->Get(
          Cf::kDecisions, storage::SequenceKey(decision_sequence), &stored);
      if (!found.ok()) return found.status();
      missing = !*found;
      value = stored;
    }
    riskflow::v1::Decision& d = out->emplace_back();
    // Never fails: an entry that cannot be parsed must not stop every
    // reader at it for ever (sink_entry.h). A placeholder keeps the
    // sequence gap-free and tells the consumer what it missed.
    const std::string what = absl::StrCat(
        "outbox ", riskflow::v1::Route_Name(sink), " entry ", seq);
    if (missing) {
      UnreadableEntry(absl::StrCat(what, " refers to decision ",
                                   decision_sequence,
                                   ", which the decision store does not "
                                   "hold; skipped so the reader can go on"),
                      &d);
    }
    if (missing || DecodeDecision(value, what, &d) ==
                       DecodeResult::kUnreadable) {
      d.add_routes(sink);
      d.set_route(sink);
      d.mutable_annotations(0)->set_route(sink);
    }
    d.set_sink_sequence(seq);
  }
  return store_->IteratorStatus(*it, "reading a sink outbox");
}

absl::Status Outbox::CommitCursor(Route sink, const std::string& consumer,
                                  uint64_t sequence) {
  if (!IsSink(sink)) {
    return absl::InvalidArgumentError("sink must be FREEZE, NOTIFY or MANUAL_REVIEW");
  }
  if (consumer.empty() || consumer.size() > 128) {
    return absl::InvalidArgumentError(
        "consumer: a name of 1 to 128 bytes is required");
  }
  if (sequence > LastSequence(sink)) {
    return absl::OutOfRangeError(absl::StrCat(
        "sequence ", sequence, " is beyond the ",
        riskflow::v1::Route_Name(sink), " outbox's last entry ",
        LastSequence(sink)));
  }
  rocksdb::WriteBatch batch;
  batch.Put(store_->handle(Cf::kMeta), CursorKey(sink, consumer),
            storage::SequenceKey(sequence));
  return store_->Write(&batch, /*sync=*/true);
}

absl::StatusOr<uint64_t> Outbox::GetCursor(Route sink,
                                           const std::string& consumer) {
  std::string value;
  absl::StatusOr<bool> found =
      store_->Get(Cf::kMeta, CursorKey(sink, consumer), &value);
  if (!found.ok()) return found.status();
  uint64_t seq = 0;
  if (*found) storage::DecodeSequenceKey(value, &seq);
  return seq;
}

absl::StatusOr<std::vector<Outbox::CursorInfo>> Outbox::ListCursors() {
  std::vector<CursorInfo> out;
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kMeta);
  const std::string prefix = "cursor/";
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    // cursor/<SINK>/<consumer>; consumer names may contain '/'.
    const std::string key = it->key().ToString();
    const size_t slash = key.find('/', prefix.size());
    if (slash == std::string::npos) continue;
    Route sink;
    if (!riskflow::v1::Route_Parse(
            key.substr(prefix.size(), slash - prefix.size()), &sink)) {
      continue;
    }
    CursorInfo info{sink, key.substr(slash + 1), 0};
    storage::DecodeSequenceKey(it->value().ToString(), &info.sequence);
    out.push_back(std::move(info));
  }
  if (auto s = store_->IteratorStatus(*it, "listing sink cursors"); !s.ok()) {
    return s;
  }
  return out;
}

void Outbox::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

}  // namespace riskflow::sinks
