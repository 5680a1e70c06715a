// BatchCommit: the one write a shard makes. Decisions and sink entries go
// out with every micro-batch; state and the shard's offset only with a
// checkpoint — so after a crash the store holds decisions beyond the last
// checkpoint, which recovery recognises (Shard re-runs those events for
// state only).
#include "pipeline/engine/batch_commit.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/engine/checkpoint_policy.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::engine {
namespace {

namespace v1 = ::riskflow::v1;
using storage::Cf;

class BatchCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions opts;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 8 << 20;
    auto s = state::OpenStateStore(dir_.path(), opts);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    spec_ = *state::MakeStateSpec("velocity", "count", state::StateKind::kCounter,
                                  60000, 10000, 0);
    state::RegisterState(store_.get(), spec_);
    outbox_ = std::make_unique<sinks::Outbox>(store_.get());
    ASSERT_TRUE(outbox_->Open().ok());
    cache_ = std::make_unique<state::ShardState>(store_.get(), 1000, 5000);
    target_.store = store_.get();
    target_.outbox = outbox_.get();
    target_.shard_count = 2;
    target_.shard_index = 1;
  }

  static v1::Decision Flagged(uint64_t sequence, v1::Route route) {
    v1::Decision d;
    d.set_sequence(sequence);
    d.set_event_id("e" + std::to_string(sequence));
    d.set_account_id("acct");
    v1::Annotation* a = d.add_annotations();
    a->set_detector("velocity");
    a->set_reason_code("VELOCITY");
    a->set_message("too many");
    a->set_route(route);
    d.add_routes(route);
    d.set_route(route);
    return d;
  }
  // What the shard does as it decides: each decision encoded in turn.
  EncodedDecisions Encode(std::vector<v1::Decision>* decisions) {
    EncodedDecisions encoded;
    for (v1::Decision& d : *decisions) encoded.Add(target_, &d);
    return encoded;
  }
  static v1::Decision CleanPass(uint64_t sequence) {
    v1::Decision d;
    d.set_sequence(sequence);
    d.add_routes(v1::PASS);
    d.set_route(v1::PASS);
    return d;
  }

  bool Has(Cf cf, const std::string& key) {
    std::string value;
    absl::StatusOr<bool> found = store_->Get(cf, key, &value);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() && *found;
  }
  std::string OffsetKey() const {
    return ShardLayouts::OffsetKey(target_.shard_count, target_.shard_index);
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  state::StateSpec spec_;
  std::unique_ptr<sinks::Outbox> outbox_;
  std::unique_ptr<state::ShardState> cache_;
  CommitTarget target_;
};

TEST_F(BatchCommitTest, DecisionsWithoutCheckpointLeaveStateAndOffsetAlone) {
  cache_->SetWatermark(0);
  ASSERT_TRUE(cache_->WindowAdd(spec_, "acct", 1000, 1).ok());
  std::vector<v1::Decision> decisions = {Flagged(7, v1::MANUAL_REVIEW),
                                         CleanPass(8)};
  const EncodedDecisions encoded = Encode(&decisions);
  BatchCommit commit(target_);
  commit.AddDecisions(encoded);
  EXPECT_FALSE(commit.has_checkpoint());
  EXPECT_EQ(commit.sink_entries(), 1u);
  ASSERT_TRUE(commit.Write().ok());
  EXPECT_TRUE(Has(Cf::kDecisions, storage::SequenceKey(7)));
  // A clean PASS is rebuilt from its log record, never stored.
  EXPECT_FALSE(Has(Cf::kDecisions, storage::SequenceKey(8)));
  EXPECT_EQ(outbox_->LastSequence(v1::MANUAL_REVIEW), 1u);
  EXPECT_FALSE(Has(Cf::kMeta, OffsetKey()));
  // The state change is still only in the cache.
  EXPECT_EQ(cache_->dirty_entities(), 1u);
}

TEST_F(BatchCommitTest, CheckpointWritesStateWithTheOffsetInTheSameWrite) {
  cache_->SetWatermark(0);
  ASSERT_TRUE(cache_->WindowAdd(spec_, "acct", 1000, 1).ok());
  std::vector<v1::Decision> decisions = {Flagged(9, v1::FREEZE)};
  const EncodedDecisions encoded = Encode(&decisions);
  BatchCommit commit(target_);
  commit.AddDecisions(encoded);
  commit.AddCheckpoint(cache_.get(), 9);
  ASSERT_TRUE(commit.Write().ok());
  EXPECT_EQ(cache_->dirty_entities(), 0u);
  std::string value;
  ASSERT_TRUE(*store_->Get(Cf::kMeta, OffsetKey(), &value));
  uint64_t offset = 0;
  ASSERT_TRUE(storage::DecodeSequenceKey(value, &offset));
  EXPECT_EQ(offset, 9u);
  // A fresh cache reads the checkpointed state back from the store.
  state::ShardState fresh(store_.get(), 1000, 5000);
  fresh.SetWatermark(0);
  absl::StatusOr<int64_t> total = fresh.WindowTotal(spec_, "acct", 1000, 60000);
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 1);
}

TEST_F(BatchCommitTest, AFailedWriteIsRetriedWithFreshSinkSequences) {
  int failures = 2;
  outbox_->SetCommitFaultForTesting(
      [&failures](const std::vector<sinks::PendingDecision>&) {
        return failures-- > 0 ? absl::UnavailableError("injected")
                              : absl::OkStatus();
      });
  std::vector<v1::Decision> decisions = {Flagged(3, v1::NOTIFY),
                                         Flagged(4, v1::NOTIFY)};
  const EncodedDecisions encoded = Encode(&decisions);
  BatchCommit commit(target_);
  commit.AddDecisions(encoded);
  absl::Notification stopping;
  logging::RateLimiter limiter(10, absl::Seconds(10));
  ASSERT_TRUE(commit.WriteWithRetry(&stopping, &limiter, 0));
  // Two entries, sequences 1 and 2: the failed attempts left no keys.
  EXPECT_EQ(outbox_->LastSequence(v1::NOTIFY), 2u);
  std::vector<v1::Decision> read;
  ASSERT_TRUE(outbox_->Read(v1::NOTIFY, 0, 10, &read).ok());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].sequence(), 3u);
  EXPECT_EQ(read[1].sequence(), 4u);
}

TEST_F(BatchCommitTest, AtShutdownAWriteThatKeepsFailingIsGivenUp) {
  outbox_->SetCommitFaultForTesting(
      [](const std::vector<sinks::PendingDecision>&) {
        return absl::UnavailableError("injected");
      });
  std::vector<v1::Decision> decisions = {Flagged(5, v1::FREEZE)};
  const EncodedDecisions encoded = Encode(&decisions);
  BatchCommit commit(target_);
  commit.AddDecisions(encoded);
  absl::Notification stopping;
  stopping.Notify();
  logging::RateLimiter limiter(10, absl::Seconds(10));
  EXPECT_FALSE(commit.WriteWithRetry(&stopping, &limiter, 0));
  EXPECT_FALSE(Has(Cf::kDecisions, storage::SequenceKey(5)));
  EXPECT_EQ(outbox_->LastSequence(v1::FREEZE), 0u);
}

TEST_F(BatchCommitTest, DecisionsEncodedAsDecidedAreWrittenAsTheyWereEncoded) {
  std::vector<v1::Decision> decisions = {Flagged(11, v1::NOTIFY),
                                         CleanPass(12)};
  EncodedDecisions encoded;
  for (v1::Decision& d : decisions) encoded.Add(target_, &d);
  ASSERT_EQ(encoded.size(), 2u);
  // A clean PASS is neither stored nor sunk: nothing encoded.
  EXPECT_TRUE(encoded.bytes(1).empty());
  v1::Decision copy = decisions[0];
  std::string expected;
  sinks::EncodeDecision(&copy, &expected);
  EXPECT_EQ(std::string(encoded.bytes(0)), expected);
  EXPECT_EQ(encoded.sequences(), (std::vector<uint64_t>{11, 12}));
  EXPECT_TRUE(encoded.stored(0));
  EXPECT_FALSE(encoded.stored(1));
  EXPECT_EQ(encoded.sink_routes(0), sinks::RouteBits(decisions[0]));
  EXPECT_EQ(encoded.sink_routes(1), 0u);
  // The commit needs only the encodings: the decisions are gone by then
  // (the shard decides every event into one reused Decision).
  decisions.clear();
  BatchCommit commit(target_);
  commit.AddDecisions(encoded);
  EXPECT_EQ(commit.sink_entries(), 1u);
  ASSERT_TRUE(commit.Write().ok());
  std::string stored;
  ASSERT_TRUE(*store_->Get(Cf::kDecisions, storage::SequenceKey(11), &stored));
  EXPECT_EQ(stored, expected);
  EXPECT_FALSE(Has(Cf::kDecisions, storage::SequenceKey(12)));
  // Written once: the sink entry refers to the stored decision.
  std::string entry;
  ASSERT_TRUE(
      *store_->Get(Cf::kOutbox, sinks::OutboxKey(v1::NOTIFY, 1), &entry));
  EXPECT_EQ(entry, sinks::OutboxEntryRef(11));
  std::vector<v1::Decision> read;
  ASSERT_TRUE(outbox_->Read(v1::NOTIFY, 0, 10, &read).ok());
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].sequence(), 11u);
  read[0].clear_sink_sequence();
  std::string reread;
  read[0].SerializeToString(&reread);
  EXPECT_EQ(reread, expected);
}

TEST_F(BatchCommitTest, EncodingBoundsADecisionInPlaceEvenWhenNothingIsWritten) {
  // Replay: no store, no sinks. The decision is still made valid UTF-8, so
  // replay's decisions equal the live ones.
  target_.store_decisions = false;
  target_.write_outboxes = false;
  v1::Decision d = Flagged(13, v1::NOTIFY);
  d.mutable_annotations(0)->set_message(std::string("bad \xff byte"));
  EncodedDecisions encoded;
  encoded.Add(target_, &d);
  EXPECT_TRUE(encoded.bytes(0).empty());
  EXPECT_TRUE(sinks::AllStringsValid(d)) << d.annotations(0).message();
}

TEST_F(BatchCommitTest, ClearingKeepsTheBufferUnlessItGrewLarge) {
  EncodedDecisions encoded;
  v1::Decision d = Flagged(14, v1::NOTIFY);
  encoded.Add(target_, &d);
  const char* first = encoded.bytes(0).data();
  encoded.Clear();
  EXPECT_EQ(encoded.size(), 0u);
  encoded.Add(target_, &d);
  EXPECT_EQ(encoded.bytes(0).data(), first);  // the same memory, reused
  encoded.Clear();
  // ~6 MB of decisions in one batch: the buffer is not kept.
  v1::Decision large = Flagged(15, v1::NOTIFY);
  large.mutable_annotations(0)->set_message(std::string(60000, 'x'));
  for (int i = 0; i < 100; ++i) encoded.Add(target_, &large);
  EXPECT_GT(encoded.bytes(99).size(), 60000u);
  EXPECT_GT(encoded.buffer_capacity(), size_t{4} << 20);
  encoded.Clear();
  EXPECT_LT(encoded.buffer_capacity(), size_t{1} << 20);
}

TEST(CheckpointPolicyTest, DueByTimeEventsOrDirtyEntities) {
  CheckpointPolicy p;
  p.interval = absl::Seconds(10);
  p.events = 100;
  p.max_dirty_entities = 50;
  EXPECT_FALSE(p.Due(absl::Seconds(1), 10, 10));
  EXPECT_TRUE(p.Due(absl::Seconds(10), 10, 10));
  EXPECT_TRUE(p.Due(absl::Seconds(1), 100, 10));
  EXPECT_TRUE(p.Due(absl::Seconds(1), 10, 50));
  // Over the memory budget with entities it may not evict: due, but not
  // more often than memory_pressure_interval, and only with something
  // to write.
  p.memory_pressure_interval = absl::Seconds(1);
  EXPECT_FALSE(p.Due(absl::Milliseconds(999), 10, 10, true));
  EXPECT_TRUE(p.Due(absl::Seconds(1), 10, 10, true));
  EXPECT_FALSE(p.Due(absl::Seconds(1), 10, 0, true));
  EXPECT_FALSE(p.Due(absl::Seconds(1), 10, 10, false));
  const CheckpointPolicy replay = CheckpointPolicy::WhenCacheFills();
  EXPECT_FALSE(replay.Due(absl::Hours(1000), 1u << 30, 10));
  EXPECT_TRUE(replay.Due(absl::ZeroDuration(), 0, replay.max_dirty_entities));
}

}  // namespace
}  // namespace riskflow::engine
