#include "pipeline/sinks/outbox.h"

#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"

namespace riskflow::sinks {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::Route;

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/outbox_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

Decision MakeDecision(const std::string& id, std::vector<Route> routes) {
  Decision d;
  d.set_decision_id(id);
  d.set_event_id(id);
  for (Route r : routes) d.add_routes(r);
  d.set_route(routes.front());
  return d;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    Reopen();
  }
  void Reopen() {
    outbox_.reset();
    store_.reset();
    auto store = storage::Store::Open(dir_, storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    outbox_ = std::make_unique<Outbox>(store_.get());
    ASSERT_TRUE(outbox_->Open().ok());
  }
  void Commit(const std::vector<Decision>& decisions) {
    std::vector<std::string> bytes(decisions.size());
    std::vector<PendingDecision> pending;
    for (size_t i = 0; i < decisions.size(); ++i) {
      decisions[i].SerializeToString(&bytes[i]);
      pending.push_back(PendingDecision{RouteBits(decisions[i]), bytes[i]});
    }
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(outbox_->Commit(&batch, pending, false).ok());
  }
  std::vector<std::string> ReadIds(Route sink, uint64_t after) {
    std::vector<Decision> out;
    EXPECT_TRUE(outbox_->Read(sink, after, 100, &out).ok());
    std::vector<std::string> ids;
    for (const Decision& d : out) {
      ids.push_back(d.decision_id() + "@" + std::to_string(d.sink_sequence()));
    }
    return ids;
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Outbox> outbox_;
};

TEST_F(OutboxTest, EachSinkGetsItsOwnGapFreeSequence) {
  Commit({MakeDecision("a", {riskflow::v1::FREEZE, riskflow::v1::NOTIFY}),
          MakeDecision("b", {riskflow::v1::NOTIFY}),
          MakeDecision("c", {riskflow::v1::PASS})});
  EXPECT_EQ(ReadIds(riskflow::v1::FREEZE, 0),
            (std::vector<std::string>{"a@1"}));
  EXPECT_EQ(ReadIds(riskflow::v1::NOTIFY, 0),
            (std::vector<std::string>{"a@1", "b@2"}));
  EXPECT_EQ(ReadIds(riskflow::v1::NOTIFY, 1),
            (std::vector<std::string>{"b@2"}));
  EXPECT_TRUE(ReadIds(riskflow::v1::MANUAL_REVIEW, 0).empty());
  EXPECT_EQ(outbox_->LastSequence(riskflow::v1::NOTIFY), 2u);
}

TEST_F(OutboxTest, SequencesAndCursorsSurviveReopen) {
  Commit({MakeDecision("a", {riskflow::v1::MANUAL_REVIEW})});
  ASSERT_TRUE(outbox_->CommitCursor(riskflow::v1::MANUAL_REVIEW, "cases", 1)
                  .ok());
  Reopen();
  EXPECT_EQ(outbox_->LastSequence(riskflow::v1::MANUAL_REVIEW), 1u);
  Commit({MakeDecision("b", {riskflow::v1::MANUAL_REVIEW})});
  EXPECT_EQ(ReadIds(riskflow::v1::MANUAL_REVIEW, 0),
            (std::vector<std::string>{"a@1", "b@2"}));
  auto cursor = outbox_->GetCursor(riskflow::v1::MANUAL_REVIEW, "cases");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, 1u);
  auto unknown = outbox_->GetCursor(riskflow::v1::MANUAL_REVIEW, "other");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, 0u);
}

TEST_F(OutboxTest, ListsEveryCursorWithItsSink) {
  Commit({MakeDecision("a", {riskflow::v1::FREEZE, riskflow::v1::NOTIFY}),
          MakeDecision("b", {riskflow::v1::NOTIFY})});
  ASSERT_TRUE(outbox_->CommitCursor(riskflow::v1::FREEZE, "freezer", 1).ok());
  ASSERT_TRUE(outbox_->CommitCursor(riskflow::v1::NOTIFY, "a/b", 2).ok());
  auto cursors = outbox_->ListCursors();
  ASSERT_TRUE(cursors.ok()) << cursors.status();
  ASSERT_EQ(cursors->size(), 2u);
  std::vector<std::string> seen;
  for (const auto& c : *cursors) {
    seen.push_back(riskflow::v1::Route_Name(c.sink) + ":" + c.consumer + "@" +
                   std::to_string(c.sequence));
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"FREEZE:freezer@1", "NOTIFY:a/b@2"}));
}

TEST_F(OutboxTest, RefusesBadCursors) {
  EXPECT_EQ(outbox_->CommitCursor(riskflow::v1::FREEZE, "c", 5).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(outbox_->CommitCursor(riskflow::v1::PASS, "c", 0).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox_->CommitCursor(riskflow::v1::FREEZE, "", 0).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OutboxTest, WaitBeyondWakesOnCommitAndOnShutdown) {
  EXPECT_EQ(outbox_->WaitBeyond(riskflow::v1::FREEZE, 0, absl::Milliseconds(1)),
            0u);
  Commit({MakeDecision("a", {riskflow::v1::FREEZE})});
  EXPECT_EQ(outbox_->WaitBeyond(riskflow::v1::FREEZE, 0, absl::Seconds(10)),
            1u);
  outbox_->Shutdown();
  EXPECT_EQ(outbox_->WaitBeyond(riskflow::v1::FREEZE, 1, absl::Seconds(10)),
            1u);
}

// An entry an older build wrote with invalid UTF-8 (or any garbage) once
// failed every Read at it with DATA_LOSS; now the reader gets past it.
TEST_F(OutboxTest, UnreadableEntriesNeverBlockTheSink) {
  Commit({MakeDecision("a", {riskflow::v1::FREEZE})});
  // Entries 2 and 3 as an old build (or a broken disk) left them.
  Decision legacy = MakeDecision("legacy", {riskflow::v1::FREEZE});
  legacy.add_annotations()->set_message("bad\xff");
  std::string legacy_bytes;
  legacy.SerializeToString(&legacy_bytes);
  rocksdb::WriteBatch raw;
  raw.Put(store_->handle(storage::Cf::kOutbox),
          OutboxKey(riskflow::v1::FREEZE, 2), legacy_bytes);
  raw.Put(store_->handle(storage::Cf::kOutbox),
          OutboxKey(riskflow::v1::FREEZE, 3), std::string("\xff\xff\x01", 3));
  ASSERT_TRUE(store_->Write(&raw, false).ok());
  Reopen();
  Commit({MakeDecision("b", {riskflow::v1::FREEZE})});

  std::vector<Decision> out;
  ASSERT_TRUE(outbox_->Read(riskflow::v1::FREEZE, 0, 100, &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].decision_id(), "a");
  EXPECT_EQ(out[1].decision_id(), "legacy");
  EXPECT_EQ(out[1].annotations(1).reason_code(), kEntryRepaired);
  EXPECT_EQ(out[2].sink_sequence(), 3u);
  EXPECT_EQ(out[2].route(), riskflow::v1::FREEZE);
  EXPECT_EQ(out[2].annotations(0).reason_code(), kEntryUnreadable);
  EXPECT_EQ(out[3].decision_id(), "b");
  EXPECT_EQ(out[3].sink_sequence(), 4u);
}

TEST_F(OutboxTest, StoredDecisionIsWrittenOnceAndReadThroughItsReference) {
  // The engine stores a decision with annotations under its log sequence
  // in the same write; its entries then refer to it instead of copying it.
  Decision d = MakeDecision("stored", {riskflow::v1::FREEZE,
                                       riskflow::v1::NOTIFY});
  d.set_sequence(41);
  d.add_annotations()->set_message("large payout");
  std::string bytes;
  d.SerializeToString(&bytes);
  rocksdb::WriteBatch batch;
  batch.Put(store_->handle(storage::Cf::kDecisions),
            storage::SequenceKey(41), bytes);
  ASSERT_TRUE(outbox_
                  ->Commit(&batch, {PendingDecision{RouteBits(d), bytes, 41}},
                           false)
                  .ok());
  std::string raw;
  ASSERT_TRUE(*store_->Get(storage::Cf::kOutbox,
                           OutboxKey(riskflow::v1::NOTIFY, 1), &raw));
  EXPECT_EQ(raw, OutboxEntryRef(41));
  uint64_t referred = 0;
  EXPECT_TRUE(ParseOutboxEntryRef(raw, &referred));
  EXPECT_EQ(referred, 41u);
  EXPECT_FALSE(ParseOutboxEntryRef(bytes, &referred));

  for (Route sink : {riskflow::v1::FREEZE, riskflow::v1::NOTIFY}) {
    std::vector<Decision> out;
    ASSERT_TRUE(outbox_->Read(sink, 0, 10, &out).ok());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].decision_id(), "stored");
    EXPECT_EQ(out[0].annotations(0).message(), "large payout");
    EXPECT_EQ(out[0].sink_sequence(), 1u);
  }
}

TEST_F(OutboxTest, ReferenceToAMissingDecisionNeverBlocksTheSink) {
  rocksdb::WriteBatch raw;
  raw.Put(store_->handle(storage::Cf::kOutbox),
          OutboxKey(riskflow::v1::MANUAL_REVIEW, 1), OutboxEntryRef(77));
  ASSERT_TRUE(store_->Write(&raw, false).ok());
  Reopen();
  Commit({MakeDecision("after", {riskflow::v1::MANUAL_REVIEW})});
  std::vector<Decision> out;
  ASSERT_TRUE(outbox_->Read(riskflow::v1::MANUAL_REVIEW, 0, 10, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sink_sequence(), 1u);
  EXPECT_EQ(out[0].route(), riskflow::v1::MANUAL_REVIEW);
  ASSERT_EQ(out[0].annotations_size(), 1);
  EXPECT_EQ(out[0].annotations(0).reason_code(), kEntryUnreadable);
  EXPECT_NE(out[0].annotations(0).message().find("refers to decision 77"),
            std::string::npos)
      << out[0].annotations(0).message();
  EXPECT_EQ(out[1].decision_id(), "after");
}

}  // namespace
}  // namespace riskflow::sinks
