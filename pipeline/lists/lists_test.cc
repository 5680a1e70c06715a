#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"
#include "pipeline/lists/apply_lists.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/storage/store.h"

namespace riskflow::lists {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::ListEntry;

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/lists_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

ListEntry Entry(riskflow::v1::ListKind kind, riskflow::v1::ListEntity entity,
                const std::string& value, int64_t expires = 0) {
  ListEntry e;
  e.set_kind(kind);
  e.set_entity(entity);
  e.set_value(value);
  e.set_expires_at_ms(expires);
  e.set_reason("analyst case 42");
  e.set_added_by("alice");
  return e;
}

riskflow::v1::Event Payout(const std::string& account,
                           const std::string& counterparty, int64_t t) {
  riskflow::v1::Event e;
  e.set_account_id(account);
  e.set_counterparty(counterparty);
  e.set_event_time_ms(t);
  return e;
}

// A decision as the router leaves it: one NOTIFY and one MANUAL_REVIEW.
Decision Routed() {
  Decision d;
  auto* a = d.add_annotations();
  a->set_detector("velocity_burst");
  a->set_route(riskflow::v1::NOTIFY);
  a = d.add_annotations();
  a->set_detector("large_payout");
  a->set_route(riskflow::v1::MANUAL_REVIEW);
  d.add_routes(riskflow::v1::MANUAL_REVIEW);
  d.add_routes(riskflow::v1::NOTIFY);
  d.set_route(riskflow::v1::MANUAL_REVIEW);
  return d;
}

class ListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    Open();
  }
  void Open() {
    lists_.reset();
    store_.reset();
    auto store = storage::Store::Open(dir_, storage::StoreOptions());
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    lists_ = std::make_unique<ListStore>(store_.get());
    ASSERT_TRUE(lists_->Load().ok());
  }
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ListStore> lists_;
};

TEST_F(ListsTest, BlockFreezesAndSaysWhy) {
  ASSERT_TRUE(lists_->Put(Entry(riskflow::v1::BLOCK, riskflow::v1::COUNTERPARTY,
                                "mule-1"),
                          1000)
                  .ok());
  Decision d;
  d.add_routes(riskflow::v1::PASS);
  d.set_route(riskflow::v1::PASS);
  ApplyLists(*lists_->snapshot(), Payout("a", "mule-1", 5), &d);
  EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
  ASSERT_EQ(d.annotations_size(), 1);
  EXPECT_EQ(d.annotations(0).detector(), "lists");
  EXPECT_EQ(d.annotations(0).reason_code(), "BLOCKLIST");
  EXPECT_EQ(d.annotations(0).message(),
            "BLOCK list COUNTERPARTY mule-1: analyst case 42");
}

TEST_F(ListsTest, AllowSuppressesOtherRoutesButNotABlock) {
  ASSERT_TRUE(
      lists_->Put(Entry(riskflow::v1::ALLOW, riskflow::v1::ACCOUNT, "vip"), 1)
          .ok());
  Decision d = Routed();
  ApplyLists(*lists_->snapshot(), Payout("vip", "shop", 5), &d);
  EXPECT_EQ(d.route(), riskflow::v1::PASS);
  ASSERT_EQ(d.annotations_size(), 3);
  EXPECT_EQ(d.annotations(0).route(), riskflow::v1::PASS);
  EXPECT_EQ(d.annotations(0).suppressed_route(), riskflow::v1::NOTIFY);
  EXPECT_EQ(d.annotations(0).suppressed_by(), "ALLOW list ACCOUNT vip");
  EXPECT_EQ(d.annotations(2).reason_code(), "ALLOWLIST");
  bool listed = false;
  for (const auto& ev : d.annotations(2).evidence()) {
    if (ev.key() == "suppressed") {
      EXPECT_EQ(ev.value(), "velocity_burst:NOTIFY,large_payout:MANUAL_REVIEW");
      listed = true;
    }
  }
  EXPECT_TRUE(listed);

  // An explicit block on the counterparty still freezes.
  ASSERT_TRUE(lists_->Put(Entry(riskflow::v1::BLOCK, riskflow::v1::COUNTERPARTY,
                                "mule-1"),
                          1)
                  .ok());
  d = Routed();
  ApplyLists(*lists_->snapshot(), Payout("vip", "mule-1", 5), &d);
  EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
}

TEST_F(ListsTest, EntriesExpireAtEventTime) {
  ASSERT_TRUE(lists_->Put(Entry(riskflow::v1::BLOCK, riskflow::v1::ACCOUNT, "a",
                                /*expires=*/100),
                          1)
                  .ok());
  Decision d;
  ApplyLists(*lists_->snapshot(), Payout("a", "", 99), &d);
  EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
  d.Clear();
  ApplyLists(*lists_->snapshot(), Payout("a", "", 100), &d);
  EXPECT_EQ(d.annotations_size(), 0);
}

TEST_F(ListsTest, SurviveReopenAndDelete) {
  ASSERT_TRUE(
      lists_->Put(Entry(riskflow::v1::ALLOW, riskflow::v1::DEVICE, "d1"), 7)
          .ok());
  Open();
  auto entries = lists_->Entries(riskflow::v1::LIST_KIND_UNSPECIFIED,
                                 riskflow::v1::LIST_ENTITY_UNSPECIFIED);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].added_at_ms(), 7);
  EXPECT_EQ(entries[0].added_by(), "alice");
  auto deleted =
      lists_->Delete(riskflow::v1::ALLOW, riskflow::v1::DEVICE, "d1");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  Open();
  EXPECT_TRUE(lists_->snapshot()->empty());
}

TEST_F(ListsTest, RefusesBadEntriesNamingTheField) {
  ListEntry e = Entry(riskflow::v1::LIST_KIND_UNSPECIFIED,
                      riskflow::v1::ACCOUNT, "a");
  EXPECT_EQ(lists_->Put(e, 1).status().message(),
            "kind: must be ALLOW or BLOCK");
  e = Entry(riskflow::v1::BLOCK, riskflow::v1::LIST_ENTITY_UNSPECIFIED, "a");
  EXPECT_EQ(lists_->Put(e, 1).status().message(),
            "entity: must be ACCOUNT, COUNTERPARTY, DEVICE or IP");
  e = Entry(riskflow::v1::BLOCK, riskflow::v1::ACCOUNT, "");
  EXPECT_EQ(lists_->Put(e, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  e = Entry(riskflow::v1::BLOCK, riskflow::v1::ACCOUNT, "a", -1);
  EXPECT_EQ(lists_->Put(e, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace riskflow::lists
