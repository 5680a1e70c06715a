#include "pipeline/cases/audit_log.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/cases/test_util.h"

namespace riskflow::cases {
namespace {

using ::riskflow::cases::testing::TempDbPath;
using ::testing::HasSubstr;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempDbPath("audit.db");
    absl::StatusOr<std::unique_ptr<Db>> db = AuditLog::OpenStandalone(path_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(db).value();
    AuditLog log(db_.get());
    for (int i = 1; i <= 5; ++i) {
      ASSERT_TRUE(InTransaction(*db_, [&] {
                    return log
                        .Append(1000 + i, "alice", "case.transition",
                                absl::StrCat("case/", i),
                                absl::StrCat("marker-entry-", i, "-xyz"))
                        .status();
                  }).ok());
    }
  }

  AuditVerifyResult Verify() {
    absl::StatusOr<AuditVerifyResult> r = AuditLog(db_.get()).Verify();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AuditVerifyResult{};
  }

  std::string path_;
  std::unique_ptr<Db> db_;
};

TEST_F(AuditLogTest, IntactChainVerifies) {
  AuditVerifyResult r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 5);
  absl::StatusOr<std::vector<AuditEntry>> entries =
      AuditLog(db_.get()).Read(0);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[1].prev_hash, (*entries)[0].hash);
  EXPECT_EQ((*entries)[0].prev_hash, std::string(64, '0'));
}

TEST_F(AuditLogTest, EditedFieldNamesTheEntry) {
  ASSERT_TRUE(
      db_->Exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").ok());
  AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3);
  EXPECT_THAT(r.problem, HasSubstr("entry 3: contents do not match"));
}

TEST_F(AuditLogTest, RehashedEditBreaksTheNextLink) {
  // A forger who also recomputes the edited entry's hash is caught by the
  // next entry's prev_hash.
  AuditEntry e = (*AuditLog(db_.get()).Read(1, 1))[0];
  ASSERT_EQ(e.seq, 2);
  e.detail = "forged";
  const std::string forged_hash = AuditEntryHash(e);
  ASSERT_TRUE(db_->Exec(absl::StrCat("UPDATE audit_log SET detail = 'forged', "
                                     "hash = '",
                                     forged_hash, "' WHERE seq = 2"))
                  .ok());
  AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3);
  EXPECT_THAT(r.problem, HasSubstr("entry 3: prev_hash does not match"));
}

TEST_F(AuditLogTest, DeletedEntryIsNamed) {
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE seq = 2").ok());
  AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2);
  EXPECT_THAT(r.problem, HasSubstr("entry 2 is missing (deleted)"));
}

TEST_F(AuditLogTest, CutTailIsNamed) {
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE seq >= 4").ok());
  AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
  EXPECT_THAT(r.problem, HasSubstr("entries 4..5 are missing"));
}

TEST_F(AuditLogTest, OneByteFlippedInTheFileIsNamed) {
  db_.reset();  // checkpoints the WAL into the main file
  std::string bytes;
  {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  const size_t at = bytes.find("marker-entry-4-xyz");
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find("marker-entry-4-xyz", at + 1), std::string::npos);
  bytes[at + 7] = 'E';  // 'e' of "entry" -> 'E'
  {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  absl::StatusOr<std::unique_ptr<Db>> db = AuditLog::OpenStandalone(path_);
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = std::move(db).value();
  AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
  EXPECT_THAT(r.problem, HasSubstr("entry 4"));
}

}  // namespace
}  // namespace riskflow::cases
