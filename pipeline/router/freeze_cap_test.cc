#include "pipeline/router/freeze_cap.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/router/router.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::router {
namespace {

using riskflow::v1::Decision;
using riskflow::v1::Route;

constexpr int64_t kT0 = 1'700'000'040'000;  // a minute boundary
static_assert(kT0 % 60000 == 0);

TEST(FreezeCapShareTest, SplitsTheCapAcrossShardsRoundingUp) {
  EXPECT_EQ(FreezeCapShardShare(10, 1), 10u);
  EXPECT_EQ(FreezeCapShardShare(10, 4), 3u);
  EXPECT_EQ(FreezeCapShardShare(1, 8), 1u);
  EXPECT_EQ(FreezeCapShardShare(0, 4), 0u);  // unlimited stays unlimited
  riskflow::v1::DetectorConfig d;
  EXPECT_EQ(FreezeCapPerMinute(d), kDefaultFreezeCapPerMinute);
  d.set_freeze_cap_per_minute(0);
  EXPECT_EQ(FreezeCapPerMinute(d), 0u);
}

class FreezeCapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto add = [&](const std::string& name) {
      riskflow::v1::DetectorConfig* d = config_.add_detectors();
      d->set_name(name);
      d->set_plugin("p");
      return d;
    };
    add("capped")->set_freeze_cap_per_minute(3);
    add("unlimited")->set_freeze_cap_per_minute(0);
    add("other")->set_freeze_cap_per_minute(3);
    Open();
  }

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
    cap_ = std::make_unique<FreezeCap>(config_, 1, 0);
    cap_->RegisterStates(store_.get());
  }

  void Commit() {
    rocksdb::WriteBatch batch;
    cache_->FlushTo(&batch);
    ASSERT_TRUE(store_->Write(&batch, false).ok());
    cache_->Trim();
  }

  // A decision the router made: one annotation per (detector, route).
  Decision Decide(int64_t t,
                  const std::vector<std::pair<std::string, Route>>& said) {
    Decision d;
    d.set_event_time_ms(t);
    for (const auto& [detector, route] : said) {
      auto* a = d.add_annotations();
      a->set_detector(detector);
      a->set_reason_code("R");
      a->set_route(route);
    }
    SetRoutesFromAnnotations(&d);
    cache_->SetWatermark(t);
    std::vector<size_t> capped;
    EXPECT_TRUE(cap_->Apply(cache_.get(), &d, &capped).ok());
    return d;
  }

  riskflow::v1::PipelineConfig config_;
  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::ShardState> cache_;
  std::unique_ptr<FreezeCap> cap_;
};

TEST_F(FreezeCapTest, ExcessFreezesInOneMinuteGoToManualReview) {
  for (int i = 0; i < 3; ++i) {
    Decision d = Decide(kT0 + i * 1000, {{"capped", riskflow::v1::FREEZE}});
    EXPECT_EQ(d.route(), riskflow::v1::FREEZE) << i;
    EXPECT_EQ(d.annotations_size(), 1);
  }
  Decision d = Decide(kT0 + 59999, {{"capped", riskflow::v1::FREEZE}});
  EXPECT_EQ(d.route(), riskflow::v1::MANUAL_REVIEW);
  ASSERT_EQ(d.routes_size(), 1);
  ASSERT_EQ(d.annotations_size(), 2);
  EXPECT_EQ(d.annotations(0).route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(d.annotations(1).detector(), kRouterDetector);
  EXPECT_EQ(d.annotations(1).reason_code(), kFreezeCapReason);
  EXPECT_EQ(d.annotations(1).evidence(3).value(), std::to_string(kT0));
  // The next event-time minute starts a new count.
  EXPECT_EQ(Decide(kT0 + 60000, {{"capped", riskflow::v1::FREEZE}}).route(),
            riskflow::v1::FREEZE);
}

TEST_F(FreezeCapTest, CountsOnlyFreezesAndOnlyCappedDetectors) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Decide(kT0 + i, {{"unlimited", riskflow::v1::FREEZE}}).route(),
              riskflow::v1::FREEZE);
    // NOTIFY and suppressed (PASS) annotations are not FREEZEs.
    Decide(kT0 + i, {{"capped", riskflow::v1::NOTIFY}});
    Decide(kT0 + i, {{"capped", riskflow::v1::PASS}});
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Decide(kT0 + 10 + i, {{"capped", riskflow::v1::FREEZE}}).route(),
              riskflow::v1::FREEZE);
  }
  // Capped, but another detector still freezes the event: it stays FREEZE,
  // and that detector's own count moves on.
  Decision d = Decide(kT0 + 20, {{"capped", riskflow::v1::FREEZE},
                                 {"other", riskflow::v1::FREEZE}});
  EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
  ASSERT_EQ(d.routes_size(), 2);
  EXPECT_EQ(d.routes(1), riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(d.annotations(0).route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(d.annotations(1).route(), riskflow::v1::FREEZE);
}

TEST_F(FreezeCapTest, CountSurvivesCommitAndRestart) {
  for (int i = 0; i < 2; ++i) {
    Decide(kT0 + i, {{"capped", riskflow::v1::FREEZE}});
  }
  Commit();
  Open();
  EXPECT_EQ(Decide(kT0 + 2, {{"capped", riskflow::v1::FREEZE}}).route(),
            riskflow::v1::FREEZE);
  EXPECT_EQ(Decide(kT0 + 3, {{"capped", riskflow::v1::FREEZE}}).route(),
            riskflow::v1::MANUAL_REVIEW);
}

TEST_F(FreezeCapTest, ShardsCountSeparately) {
  FreezeCap shard1(config_, 2, 1);  // share ceil(3/2) = 2
  for (int i = 0; i < 2; ++i) {
    Decide(kT0 + i, {{"capped", riskflow::v1::FREEZE}});
  }
  Decision d;
  d.set_event_time_ms(kT0 + 5);
  d.add_annotations()->set_detector("capped");
  d.mutable_annotations(0)->set_route(riskflow::v1::FREEZE);
  SetRoutesFromAnnotations(&d);
  std::vector<size_t> capped;
  ASSERT_TRUE(shard1.Apply(cache_.get(), &d, &capped).ok());
  EXPECT_TRUE(capped.empty());
  EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
}

}  // namespace
}  // namespace riskflow::router
