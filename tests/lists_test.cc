// Allow / block lists through Admin on a real daemon: a block freezes, an
// allow suppresses the other detectors' routes and the decision says so,
// entries expire at event time, and they survive a restart.
#include <string>

#include "gtest/gtest.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

using riskflow::v1::ListEntry;

grpc::Status Put(TestDaemon& d, riskflow::v1::ListKind kind,
                 riskflow::v1::ListEntity entity, const std::string& value,
                 int64_t expires_at_ms = 0) {
  ListEntry entry;
  entry.set_kind(kind);
  entry.set_entity(entity);
  entry.set_value(value);
  entry.set_expires_at_ms(expires_at_ms);
  entry.set_reason("case 7");
  entry.set_added_by("analyst-1");
  grpc::ClientContext ctx;
  ListEntry stored;
  return d.admin()->PutListEntry(&ctx, entry, &stored);
}

riskflow::v1::Decision Decide(TestDaemon& d, const riskflow::v1::Event& e) {
  riskflow::v1::EvaluateResponse response;
  grpc::Status s = d.Evaluate(e, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response.decision();
}

TEST(ListsTest, BlockAllowAndExpiryThroughAdmin) {
  auto daemon = TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  TestDaemon& d = **daemon;

  ASSERT_TRUE(Put(d, riskflow::v1::BLOCK, riskflow::v1::COUNTERPARTY, "mule-9")
                  .ok());
  riskflow::v1::Decision blocked =
      Decide(d, Payout("b1", "acct-1", "mule-9", 100, "CNY", kT0));
  EXPECT_EQ(blocked.route(), riskflow::v1::FREEZE);
  // The block's FREEZE also holds the paying account (account holds are on
  // by default, docs/account-holds.md), and says so.
  ASSERT_EQ(blocked.annotations_size(), 2);
  EXPECT_EQ(blocked.annotations(0).reason_code(), "BLOCKLIST");
  EXPECT_EQ(blocked.annotations(0).message(),
            "BLOCK list COUNTERPARTY mule-9: case 7");
  EXPECT_EQ(blocked.annotations(1).detector(), "account_hold");
  EXPECT_EQ(blocked.annotations(1).reason_code(), "HOLD_PLACED");

  // A large payout would go to MANUAL_REVIEW; the allow entry overrides it.
  ASSERT_TRUE(
      Put(d, riskflow::v1::ALLOW, riskflow::v1::ACCOUNT, "vip-1", kT0 + 60000)
          .ok());
  riskflow::v1::Decision allowed =
      Decide(d, Payout("a1", "vip-1", "shop", 20000000, "CNY", kT0));
  EXPECT_EQ(allowed.route(), riskflow::v1::PASS);
  ASSERT_EQ(allowed.annotations_size(), 2);
  EXPECT_EQ(allowed.annotations(0).detector(), "large_payout");
  EXPECT_EQ(allowed.annotations(0).suppressed_route(),
            riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(allowed.annotations(0).suppressed_by(), "ALLOW list ACCOUNT vip-1");
  EXPECT_EQ(allowed.annotations(1).reason_code(), "ALLOWLIST");

  // After its expiry (event time) the override no longer applies.
  riskflow::v1::Decision expired =
      Decide(d, Payout("a2", "vip-1", "shop", 20000000, "CNY", kT0 + 60000));
  EXPECT_EQ(expired.route(), riskflow::v1::MANUAL_REVIEW);

  // Entries are durable.
  ASSERT_TRUE(d.Restart().ok());
  grpc::ClientContext ctx;
  riskflow::v1::GetListEntriesResponse entries;
  ASSERT_TRUE(d.admin()->GetListEntries(&ctx, {}, &entries).ok());
  EXPECT_EQ(entries.entries_size(), 2);
  riskflow::v1::Decision again =
      Decide(d, Payout("b2", "acct-2", "mule-9", 1, "CNY", kT0 + 1));
  EXPECT_EQ(again.route(), riskflow::v1::FREEZE);

  // Deleting the block lets the counterparty through.
  grpc::ClientContext del_ctx;
  riskflow::v1::DeleteListEntryRequest del;
  del.set_kind(riskflow::v1::BLOCK);
  del.set_entity(riskflow::v1::COUNTERPARTY);
  del.set_value("mule-9");
  riskflow::v1::DeleteListEntryResponse deleted;
  ASSERT_TRUE(d.admin()->DeleteListEntry(&del_ctx, del, &deleted).ok());
  EXPECT_TRUE(deleted.deleted());
  EXPECT_EQ(Decide(d, Payout("b3", "acct-3", "mule-9", 1, "CNY", kT0 + 2))
                .route(),
            riskflow::v1::PASS);
}

TEST(ListsTest, BadEntryIsRefusedNamingTheField) {
  auto daemon = TestDaemon::Start();
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  grpc::Status s = Put(**daemon, riskflow::v1::BLOCK,
                       riskflow::v1::LIST_ENTITY_UNSPECIFIED, "x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "entity: must be ACCOUNT, COUNTERPARTY, DEVICE or IP");
}

}  // namespace
}  // namespace riskflow::e2e
