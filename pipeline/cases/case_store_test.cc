#include "pipeline/cases/case_store.h"

#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/cases/schema.h"
#include "pipeline/cases/test_util.h"

namespace riskflow::cases {
namespace {

using ::riskflow::cases::testing::FlaggedDecision;
using ::riskflow::cases::testing::TempDbPath;
using ::riskflow::v1::Decision;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempDbPath("cases.db");
    Reopen();
  }

  void Reopen() {
    store_.reset();
    CaseStoreOptions options;
    options.two_person_amount_minor = 100000;
    options.max_note_bytes = 64;
    options.now_ms = [this] { return now_ms_; };
    absl::StatusOr<std::unique_ptr<CaseStore>> store =
        CaseStore::Open(path_, options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }

  IngestResult Ingest(riskflow::v1::Route sink, std::vector<Decision> ds,
                      uint64_t cursor) {
    absl::StatusOr<IngestResult> r = store_->IngestDecisions(sink, ds, cursor);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : IngestResult{};
  }

  // One MANUAL_REVIEW case (amount 500, below the two-person amount).
  Case SmallCase(const std::string& account = "acct-s") {
    Ingest(riskflow::v1::MANUAL_REVIEW,
           {FlaggedDecision("e-" + account, account,
                            riskflow::v1::MANUAL_REVIEW, ++seq_, 500)},
           seq_);
    absl::StatusOr<std::vector<Case>> cases =
        store_->List({.account_id = account});
    EXPECT_TRUE(cases.ok() && !cases->empty());
    return cases->back();
  }

  Action By(const Case& c, const std::string& actor,
            const std::string& role = kRoleReviewer) {
    Action a;
    a.case_id = c.id;
    a.expected_version = c.version;
    a.actor = actor;
    a.role = role;
    return a;
  }

  Case Move(const Case& c, CaseState to, const std::string& actor = "alice",
            const std::string& role = kRoleReviewer) {
    absl::StatusOr<Case> next = store_->Transition(By(c, actor, role), to);
    EXPECT_TRUE(next.ok()) << next.status();
    return next.ok() ? *next : c;
  }

  std::string path_;
  int64_t now_ms_ = 1'000'000;
  uint64_t seq_ = 0;
  std::unique_ptr<CaseStore> store_;
};

TEST_F(CaseStoreTest, DecisionsOfOneAccountJoinItsOpenCaseIdempotently) {
  IngestResult r = Ingest(
      riskflow::v1::FREEZE,
      {FlaggedDecision("e1", "acct-1", riskflow::v1::FREEZE, 1),
       FlaggedDecision("e2", "acct-1", riskflow::v1::FREEZE, 2),
       FlaggedDecision("e3", "acct-2", riskflow::v1::FREEZE, 3)},
      3);
  EXPECT_EQ(r.opened, 2);
  EXPECT_EQ(r.attached, 3);
  // Redelivery (a lost cursor commit), and the same decision from the
  // other sink: nothing changes.
  r = Ingest(riskflow::v1::FREEZE,
             {FlaggedDecision("e2", "acct-1", riskflow::v1::FREEZE, 2)}, 3);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(r.attached, 0);
  r = Ingest(riskflow::v1::MANUAL_REVIEW,
             {FlaggedDecision("e1", "acct-1", riskflow::v1::FREEZE, 1),
              FlaggedDecision("e4", "acct-1", riskflow::v1::MANUAL_REVIEW, 4,
                              10)},
             7);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(r.attached, 1);
  EXPECT_EQ(r.opened, 0);
  absl::StatusOr<std::vector<Case>> cases = store_->List({});
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->size(), 2u);
  EXPECT_EQ((*cases)[0].account_id, "acct-1");
  EXPECT_EQ((*cases)[0].decision_count, 3);
  EXPECT_EQ((*cases)[0].severity, "FREEZE");
  EXPECT_EQ(*store_->SinkCursor(riskflow::v1::FREEZE), 3u);
  EXPECT_EQ(*store_->SinkCursor(riskflow::v1::MANUAL_REVIEW), 7u);
  absl::StatusOr<Case> by_event = store_->FindByEvent("e4");
  ASSERT_TRUE(by_event.ok()) << by_event.status();
  EXPECT_EQ(by_event->id, (*cases)[0].id);
  // Across a reopen too.
  Reopen();
  r = Ingest(riskflow::v1::FREEZE,
             {FlaggedDecision("e3", "acct-2", riskflow::v1::FREEZE, 3)}, 3);
  EXPECT_EQ(r.duplicates, 1);
}

TEST_F(CaseStoreTest, ClosedCaseMakesTheNextFlagOpenANewOne) {
  Case c = SmallCase("acct-n");
  c = Move(c, CaseState::kInvestigating);
  c = Move(c, CaseState::kReleased);
  EXPECT_EQ(c.state, CaseState::kReleased);
  Ingest(riskflow::v1::MANUAL_REVIEW,
         {FlaggedDecision("again", "acct-n", riskflow::v1::MANUAL_REVIEW, 99,
                          5)},
         99);
  absl::StatusOr<std::vector<Case>> cases =
      store_->List({.account_id = "acct-n"});
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 2u);
  EXPECT_NE((*cases)[1].id, c.id);
  EXPECT_EQ((*cases)[1].state, CaseState::kOpen);
}

TEST_F(CaseStoreTest, IllegalTransitionNamesBothStates) {
  Case c = SmallCase();
  absl::StatusOr<Case> r =
      store_->Transition(By(c, "alice"), CaseState::kConfirmedFraud);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(),
              HasSubstr("illegal transition OPEN -> CONFIRMED_FRAUD"));
  c = Move(c, CaseState::kInvestigating);
  c = Move(c, CaseState::kContacted);
  c = Move(c, CaseState::kConfirmedFraud);
  r = store_->Transition(By(c, "alice"), CaseState::kInvestigating);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("CONFIRMED_FRAUD -> INVESTIGATING (from "
                        "CONFIRMED_FRAUD: APPEALED)"));
  // The refusal left no trace: same version, same state.
  absl::StatusOr<Case> now = store_->Get(c.id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, c.version);
}

TEST_F(CaseStoreTest, StaleVersionIsAConflict) {
  Case c = SmallCase();
  Action alice = By(c, "alice");
  Action bob = By(c, "bob");  // read the same version
  ASSERT_TRUE(store_->Transition(alice, CaseState::kInvestigating).ok());
  bob.note = "looks fine";
  absl::StatusOr<Case> r = store_->AddNote(bob);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(r.status().message(),
              HasSubstr(absl::StrCat("stale version ", c.version,
                                     " (the case is at version ",
                                     c.version + 1)));
}

TEST_F(CaseStoreTest, OversizedNoteUnknownCaseAndBadRoleAreClearErrors) {
  Case c = SmallCase();
  Action a = By(c, "alice");
  a.note = std::string(65, 'x');
  absl::StatusOr<Case> r = store_->AddNote(a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("note: 65 bytes is over the limit of 64"));
  a.note = "ok";
  a.case_id = 424242;
  r = store_->AddNote(a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("case 424242: no such case"));
  a = By(c, "alice", "intern");
  r = store_->Transition(a, CaseState::kInvestigating);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("role: unknown \"intern\""));
  EXPECT_FALSE(store_->Get(999).ok());
}

TEST_F(CaseStoreTest, NotesAndAttachmentsOnEveryStep) {
  Case c = SmallCase();
  Action a = By(c, "alice");
  a.note = "called the customer";
  a.attachments = {"ticket://CS-123", "s3://evidence/call.mp3"};
  absl::StatusOr<Case> r = store_->Transition(a, CaseState::kInvestigating);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<CaseAction>> history = store_->History(c.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].note, "called the customer");
  EXPECT_THAT((*history)[0].attachments,
              ElementsAre("ticket://CS-123", "s3://evidence/call.mp3"));
  EXPECT_EQ((*history)[0].from_state, "OPEN");
  EXPECT_EQ((*history)[0].to_state, "INVESTIGATING");
}

TEST_F(CaseStoreTest, LargeFreezeReleaseNeedsTwoDifferentReviewers) {
  Ingest(riskflow::v1::FREEZE,
         {FlaggedDecision("big", "acct-big", riskflow::v1::FREEZE, 1,
                          5'000'000)},
         1);
  Case c = (*store_->List({.account_id = "acct-big"}))[0];
  EXPECT_EQ(c.max_freeze_amount_minor, 5'000'000);
  c = Move(c, CaseState::kInvestigating);
  absl::StatusOr<Case> r = store_->Transition(By(c, "alice"),
                                              CaseState::kReleased);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("needs a second reviewer"));
  r = store_->RequestRelease(By(c, "alice"));
  ASSERT_TRUE(r.ok()) << r.status();
  c = *r;
  EXPECT_EQ(c.release_requested_by, "alice");
  // The same person, even as a senior reviewer, is refused.
  r = store_->ApproveRelease(By(c, "alice", kRoleSenior));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(),
              HasSubstr("alice requested this release and cannot also "
                        "approve it"));
  // A second plain reviewer is not enough.
  r = store_->ApproveRelease(By(c, "bob", kRoleReviewer));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("senior_reviewer or admin"));
  r = store_->ApproveRelease(By(c, "carol", kRoleSenior));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->state, CaseState::kReleased);
}

TEST_F(CaseStoreTest, SmallManualReviewReleasesWithOneReviewer) {
  Case c = SmallCase();
  c = Move(c, CaseState::kInvestigating);
  c = Move(c, CaseState::kReleased);
  EXPECT_EQ(c.state, CaseState::kReleased);
}

TEST_F(CaseStoreTest, AppealOfAConfirmedCaseAlwaysNeedsTwoPeople) {
  Case c = SmallCase();
  c = Move(c, CaseState::kInvestigating);
  c = Move(c, CaseState::kConfirmedFraud);
  EXPECT_TRUE(c.ever_confirmed);
  c = Move(c, CaseState::kAppealed, "cs-agent");
  c = Move(c, CaseState::kReReview, "alice");
  absl::StatusOr<Case> r =
      store_->Transition(By(c, "dave", kRoleSenior), CaseState::kReleased);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("the case was confirmed as fraud"));
  // Deciding an appeal takes a senior reviewer.
  r = store_->Transition(By(c, "alice"), CaseState::kUpheld);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  c = *store_->RequestRelease(By(c, "alice"));
  r = store_->ApproveRelease(By(c, "dave", kRoleSenior));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->state, CaseState::kReleased);
  // Notifications: opened, then the appeal's result, once each.
  absl::StatusOr<std::vector<Notification>> n = store_->ReadNotifications(0, 0);
  ASSERT_TRUE(n.ok());
  std::vector<std::string> kinds;
  for (const Notification& x : *n) kinds.push_back(x.kind);
  EXPECT_THAT(kinds, ElementsAre("case_opened", "appeal_released"));
}

TEST_F(CaseStoreTest, NotificationsAreReadWithACursor) {
  Ingest(riskflow::v1::FREEZE,
         {FlaggedDecision("f1", "acct-f", riskflow::v1::FREEZE, 1),
          FlaggedDecision("f2", "acct-f", riskflow::v1::FREEZE, 2)},
         2);
  absl::StatusOr<std::vector<Notification>> n = store_->ReadNotifications(0, 1);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ((*n)[0].kind, "case_opened");
  ASSERT_TRUE(store_->CommitNotificationCursor("sms", (*n)[0].seq).ok());
  int64_t cursor = *store_->NotificationCursor("sms");
  n = store_->ReadNotifications(cursor, 10);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 1u);  // held once, though two FREEZE decisions
  EXPECT_EQ((*n)[0].kind, "account_held");
  EXPECT_THAT((*n)[0].payload, HasSubstr("\"account_id\":\"acct-f\""));
}

TEST_F(CaseStoreTest, OverdueCasesBySlaPerState) {
  Case a = SmallCase("acct-a");
  now_ms_ += 30 * 60 * 1000;
  Case b = SmallCase("acct-b");
  now_ms_ += 31 * 60 * 1000;  // a: 61 min in OPEN (SLA 1h); b: 31 min
  absl::StatusOr<std::vector<Case>> overdue =
      store_->List({.overdue_only = true});
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].id, a.id);
  // Moving on restarts the clock (INVESTIGATING has 24h).
  Move(*store_->Get(a.id), CaseState::kInvestigating);
  overdue = store_->List({.overdue_only = true});
  ASSERT_TRUE(overdue.ok());
  EXPECT_TRUE(overdue->empty());
  (void)b;
}

TEST_F(CaseStoreTest, EvidenceHashChangesWithEvidenceOnly) {
  Case c = SmallCase();
  absl::StatusOr<CaseStore::Export> first = store_->ExportEvidence(c.id, "alice");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->sha256.size(), 64u);
  EXPECT_THAT(first->json, HasSubstr("\"pipeline_versions\":[\"pv-1\"]"));
  EXPECT_THAT(first->json, HasSubstr("\"build_id\":\"build-abc\""));
  EXPECT_THAT(first->json, HasSubstr("\"key\":\"amount_minor\""));
  Move(c, CaseState::kInvestigating);
  EXPECT_EQ(*store_->EvidenceSha256(c.id), first->sha256);
  Ingest(riskflow::v1::MANUAL_REVIEW,
         {FlaggedDecision("more", "acct-s", riskflow::v1::MANUAL_REVIEW, 50,
                          7)},
         50);
  EXPECT_NE(*store_->EvidenceSha256(c.id), first->sha256);
}

TEST_F(CaseStoreTest, OpeningAVersion1DatabaseMigratesIt) {
  const std::string path = TempDbPath("v1.db");
  {
    std::vector<Migration> v1 = {CaseMigrations()[0]};
    absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(path, v1);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(*(*db)->SchemaVersion(), 1);
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO cases(account_id, state, is_open, "
                           "version, severity, opened_ms, updated_ms) VALUES "
                           "('old', 'INVESTIGATING', 1, 3, 'FREEZE', 5, 7)")
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<CaseStore>> store = CaseStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<Case> c = (*store)->Get(1);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->account_id, "old");
  EXPECT_EQ(c->state, CaseState::kInvestigating);
  EXPECT_EQ(c->version, 3);
  EXPECT_EQ(c->state_since_ms, 7);  // filled by migration 2
  EXPECT_TRUE((*store)->ReadNotifications(0, 10).ok());  // table from v2
  EXPECT_TRUE((*store)->PendingRecentEvents(10).ok());   // table from v3
  store->reset();
  absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(path, CaseMigrations());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->SchemaVersion(), 3);
  // A build that knows only v1 refuses the newer file.
  db->reset();
  std::vector<Migration> v1 = {CaseMigrations()[0]};
  absl::StatusOr<std::unique_ptr<Db>> old = Db::Open(path, v1);
  ASSERT_FALSE(old.ok());
  EXPECT_THAT(old.status().message(), HasSubstr("schema version 3 is newer"));
}

TEST(CaseStoreOpenTest, ConcurrentOpensOfANewFileMigrateOnce) {
  // The service and an operator's CLI may open a fresh file together.
  for (int round = 0; round < 10; ++round) {
    const std::string path = TempDbPath(absl::StrCat("race", round, ".db"));
    std::vector<absl::Status> results(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back(
          [&, i] { results[i] = CaseStore::Open(path).status(); });
    }
    for (std::thread& t : threads) t.join();
    for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  }
}

}  // namespace
}  // namespace riskflow::cases
