#include "pipeline/router/account_holds.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "pipeline/router/router.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::router {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::EventType;

constexpr int64_t kT0 = 1'700'000'000'000;

class AccountHoldsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    cache_.reset();
    store_.reset();
    storage::StoreOptions opts;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 8 << 20;
    auto store = state::OpenStateStore(dir_.path(), opts);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    cache_ = std::make_unique<state::ShardState>(store_.get(), 100, 0);
    holds_.RegisterStates(store_.get());
  }

  void Checkpoint() {
    rocksdb::WriteBatch batch;
    cache_->FlushTo(&batch);
    ASSERT_TRUE(store_->Write(&batch, false).ok());
    cache_->Trim();
  }

  log::LoggedEvent Event(EventType type, const std::string& account,
                         int64_t t) {
    log::LoggedEvent e;
    e.sequence = ++seq_;
    e.event.set_event_id("e" + std::to_string(seq_));
    e.event.set_channel_id("c");
    e.event.set_type(type);
    e.event.set_account_id(account);
    e.event.set_event_time_ms(t);
    return e;
  }

  // What the shard does: holds first; otherwise `detectors_say` stands in
  // for the detectors and the router, then AfterRouting.
  Decision Decide(const log::LoggedEvent& e,
                  riskflow::v1::Route detectors_say = riskflow::v1::PASS) {
    Decision d;
    d.set_decision_id(e.event.channel_id() + "/" + e.event.event_id());
    d.set_event_time_ms(e.event.event_time_ms());
    cache_->SetWatermark(e.event.event_time_ms());
    absl::StatusOr<bool> done = holds_.Decide(cache_.get(), e, &d);
    EXPECT_TRUE(done.ok()) << done.status();
    if (*done) return d;
    if (detectors_say != riskflow::v1::PASS) {
      auto* a = d.add_annotations();
      a->set_detector("velocity_extreme");
      a->set_reason_code("VELOCITY");
      a->set_route(detectors_say);
    }
    SetRoutesFromAnnotations(&d);
    EXPECT_TRUE(holds_.AfterRouting(cache_.get(), e, &d).ok());
    return d;
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::ShardState> cache_;
  AccountHolds holds_;
  uint64_t seq_ = 0;
};

TEST_F(AccountHoldsTest, FreezeHoldsOutgoingMoneyUntilARelease) {
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", kT0)).route(),
            riskflow::v1::PASS);
  Decision freeze = Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 1000),
                           riskflow::v1::FREEZE);
  ASSERT_EQ(freeze.route(), riskflow::v1::FREEZE);
  ASSERT_EQ(freeze.annotations_size(), 2);
  EXPECT_EQ(freeze.annotations(1).reason_code(), kHoldPlacedReason);

  // Outgoing events are frozen with the hold's evidence; the detectors'
  // verdict (PASS here) does not matter.
  for (EventType t : {riskflow::v1::PAYMENT, riskflow::v1::PAYOUT,
                      riskflow::v1::TRANSFER}) {
    Decision held = Decide(Event(t, "a1", kT0 + 2000));
    ASSERT_EQ(held.route(), riskflow::v1::FREEZE);
    ASSERT_EQ(held.annotations_size(), 1);
    EXPECT_EQ(held.annotations(0).detector(), kHoldDetector);
    EXPECT_EQ(held.annotations(0).reason_code(), kHeldReason);
    EXPECT_EQ(held.annotations(0).evidence(0).value(), freeze.decision_id());
  }
  // Incoming money and other accounts are not held.
  EXPECT_EQ(Decide(Event(riskflow::v1::DEPOSIT, "a1", kT0 + 3000)).route(),
            riskflow::v1::PASS);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a2", kT0 + 3000)).route(),
            riskflow::v1::PASS);

  log::LoggedEvent release = Event(riskflow::v1::ACCOUNT_RELEASE, "a1", kT0 + 4000);
  (*release.event.mutable_attributes())["actor"] = "bob";
  Decision r = Decide(release);
  EXPECT_EQ(r.route(), riskflow::v1::PASS);
  ASSERT_EQ(r.annotations_size(), 1);
  EXPECT_EQ(r.annotations(0).reason_code(), kHoldReleasedReason);
  EXPECT_NE(r.annotations(0).message().find("released by bob"), std::string::npos);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 5000)).route(),
            riskflow::v1::PASS);
}

TEST_F(AccountHoldsTest, ReleaseOrderIsLogOrderNotEventTime) {
  Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 10'000), riskflow::v1::FREEZE);
  // A release whose event time is earlier than the hold's still releases it:
  // holds follow the log, not the clocks of whoever sent the events.
  Decision r = Decide(Event(riskflow::v1::ACCOUNT_RELEASE, "a1", kT0));
  EXPECT_NE(r.annotations(0).message().find("hold released"), std::string::npos);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 20'000)).route(),
            riskflow::v1::PASS);
}

TEST_F(AccountHoldsTest, ManualHoldAndRedundantRequests) {
  log::LoggedEvent hold = Event(riskflow::v1::ACCOUNT_HOLD, "a1", kT0);
  (*hold.event.mutable_attributes())["actor"] = "alice";
  (*hold.event.mutable_attributes())["reason"] = "customer called: card stolen";
  Decision h = Decide(hold);
  EXPECT_EQ(h.route(), riskflow::v1::FREEZE);
  EXPECT_EQ(h.annotations(0).reason_code(), kHoldPlacedReason);
  // A second hold and a FREEZE while held change nothing.
  Decision again = Decide(Event(riskflow::v1::ACCOUNT_HOLD, "a1", kT0 + 1));
  EXPECT_EQ(again.route(), riskflow::v1::PASS);
  Decision login = Decide(Event(riskflow::v1::LOGIN, "a1", kT0 + 2),
                          riskflow::v1::FREEZE);
  EXPECT_EQ(login.annotations_size(), 1);  // no second HOLD_PLACED
  absl::StatusOr<std::optional<Hold>> got = holds_.Get(cache_.get(), "a1", kT0 + 3);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->decision_id, h.decision_id());
  EXPECT_EQ((*got)->reason, "placed by alice: customer called: card stolen");
  // Releasing an account that is not held says so and changes nothing.
  Decision none = Decide(Event(riskflow::v1::ACCOUNT_RELEASE, "a9", kT0));
  EXPECT_NE(none.annotations(0).message().find("was not held"), std::string::npos);
}

TEST_F(AccountHoldsTest, HoldsSurviveACheckpointAndReopen) {
  Decide(Event(riskflow::v1::PAYOUT, "a1", kT0), riskflow::v1::FREEZE);
  Decide(Event(riskflow::v1::PAYOUT, "a2", kT0), riskflow::v1::FREEZE);
  Decide(Event(riskflow::v1::ACCOUNT_RELEASE, "a2", kT0 + 1));
  Checkpoint();
  Open();
  // Far later: holds do not expire.
  const int64_t later = kT0 + 400LL * 24 * 3600 * 1000;
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", later)).route(),
            riskflow::v1::FREEZE);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a2", later)).route(),
            riskflow::v1::PASS);
}

TEST_F(AccountHoldsTest, FilterRulesOutOnlyAccountsNeverHeld) {
  HeldAccountsFilter filter;
  ASSERT_TRUE(filter.Seed(store_.get(), holds_.state_id()).ok());
  EXPECT_EQ(filter.size(), 0u);
  holds_.UseFilter(&filter);
  Decide(Event(riskflow::v1::PAYOUT, "a1", kT0), riskflow::v1::FREEZE);
  EXPECT_TRUE(filter.MaybeHeld("a1"));
  EXPECT_FALSE(filter.MaybeHeld("a2"));
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 1)).route(),
            riskflow::v1::FREEZE);
  Decide(Event(riskflow::v1::PAYOUT, "a2", kT0 + 2), riskflow::v1::FREEZE);
  Decide(Event(riskflow::v1::ACCOUNT_RELEASE, "a2", kT0 + 3));
  // A release keeps the account in the filter (a superset is enough).
  EXPECT_TRUE(filter.MaybeHeld("a2"));
  Checkpoint();

  // A new engine seeds its filter from the store: both hold records (the
  // released one too), nothing else. Without the seed, a1's next payout
  // would skip the state read and pass.
  Open();
  HeldAccountsFilter seeded;
  ASSERT_TRUE(seeded.Seed(store_.get(), holds_.state_id()).ok());
  EXPECT_EQ(seeded.size(), 2u);
  EXPECT_TRUE(seeded.MaybeHeld("a1"));
  EXPECT_TRUE(seeded.MaybeHeld("a2"));
  EXPECT_FALSE(seeded.MaybeHeld("a3"));
  holds_.UseFilter(&seeded);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 10)).route(),
            riskflow::v1::FREEZE);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a2", kT0 + 10)).route(),
            riskflow::v1::PASS);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a3", kT0 + 10)).route(),
            riskflow::v1::PASS);

  // The filter's seed is what makes that FREEZE: an empty one rules a1 out.
  HeldAccountsFilter empty;
  holds_.UseFilter(&empty);
  EXPECT_EQ(Decide(Event(riskflow::v1::PAYOUT, "a1", kT0 + 11)).route(),
            riskflow::v1::PASS);
}

}  // namespace
}  // namespace riskflow::router
