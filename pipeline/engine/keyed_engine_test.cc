// The engine with keyed stages (docs/keyed-stages.md): a velocity detector
// keyed by counterparty runs on the counterparty's shard and its annotation
// reaches the decision made on the account's shard; no shard ever writes a
// checkpoint beyond what is decided engine-wide (the keyed checkpoint
// rule); Stop never hangs; and a restart carries the keyed windows over.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/partition.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::engine {
namespace {

namespace v1 = ::riskflow::v1;

constexpr int64_t kT0 = 1700000000000;

// An account-keyed velocity around a counterparty-keyed one, so the merge
// order shows in the annotations.
// `reordered`: the keyed detector first and a lower limit (another
// version, whose slot masks differ).
std::shared_ptr<plugin_host::Pipeline> KeyedPipeline(bool reordered = false) {
  v1::PipelineConfig config;
  config.set_name(reordered ? "keyed-2" : "keyed");
  config.set_max_batch_events(16);
  auto add = [&](const std::string& name, const std::string& key,
                 const std::string& max) {
    v1::DetectorConfig* d = config.add_detectors();
    d->set_name(name);
    d->set_plugin("velocity");
    d->set_route(v1::NOTIFY);
    (*d->mutable_params())["key"] = key;
    (*d->mutable_params())["max_events"] = max;
    (*d->mutable_params())["window"] = "1m";
  };
  if (reordered) add("counterparty_burst", "counterparty", "5");
  add("account_burst", "account", "3");
  if (!reordered) add("counterparty_burst", "counterparty", "10");
  add("account_burst_2", "account", "4");
  auto pipeline = plugin_host::Pipeline::Load(
      config, riskflow::testing::TestPluginSearchPath());
  EXPECT_TRUE(pipeline.ok()) << pipeline.status();
  return pipeline.ok() ? std::shared_ptr<plugin_host::Pipeline>(
                             std::move(*pipeline))
                       : nullptr;
}

// Account holds (docs/account-holds.md) with a counterparty-keyed stage: an
// account-keyed velocity that FREEZEs an account's third payment in a
// minute (so its later payments are held) and the counterparty burst.
std::shared_ptr<plugin_host::Pipeline> HoldingPipeline() {
  v1::PipelineConfig config;
  config.set_name("keyed-holds");
  config.set_max_batch_events(16);
  config.set_account_holds(true);  // what a YAML pipeline gets by default
  auto add = [&](const std::string& name, const std::string& key,
                 const std::string& max, v1::Route route) {
    v1::DetectorConfig* d = config.add_detectors();
    d->set_name(name);
    d->set_plugin("velocity");
    d->set_route(route);
    (*d->mutable_params())["key"] = key;
    (*d->mutable_params())["max_events"] = max;
    (*d->mutable_params())["window"] = "1m";
  };
  add("account_freeze", "account", "2", v1::FREEZE);
  add("counterparty_burst", "counterparty", "10", v1::NOTIFY);
  auto pipeline = plugin_host::Pipeline::Load(
      config, riskflow::testing::TestPluginSearchPath());
  EXPECT_TRUE(pipeline.ok()) << pipeline.status();
  return pipeline.ok() ? std::shared_ptr<plugin_host::Pipeline>(
                             std::move(*pipeline))
                       : nullptr;
}

log::LoggedEvent Payment(uint64_t sequence, const std::string& account,
                         const std::string& counterparty, int64_t t) {
  log::LoggedEvent out;
  out.sequence = sequence;
  out.watermark_ms = t;
  out.event.set_event_id(absl::StrCat("e", sequence));
  out.event.set_channel_id("test");
  out.event.set_type(v1::PAYMENT);
  out.event.set_account_id(account);
  out.event.set_counterparty(counterparty);
  out.event.set_amount_minor(100);
  out.event.set_currency("CNY");
  out.event.set_event_time_ms(t);
  return out;
}

class KeyedEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenStore("engine"); }

  void OpenStore(const std::string& name) {
    outbox_.reset();
    store_.reset();
    auto store = state::OpenStateStore(dir_.path() + "/" + name,
                                    storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    outbox_ = std::make_unique<sinks::Outbox>(store_.get());
    ASSERT_TRUE(outbox_->Open().ok());
  }

  std::unique_ptr<Engine> MakeEngine(
      uint32_t shards,
      std::shared_ptr<plugin_host::Pipeline> pipeline = nullptr) {
    if (pipeline == nullptr) pipeline = KeyedPipeline();
    EngineOptions options;
    options.shards = shards;
    options.write_outboxes = false;
    options.store_decisions = false;
    // A checkpoint after every micro-batch: the keyed rule's wait is on
    // the path of every batch.
    options.checkpoint.interval = absl::ZeroDuration();
    options.checkpoint.events = 1;
    options.decision_observer =
        [this](uint32_t, const std::vector<v1::Decision>& decisions) {
          absl::MutexLock lock(&mu_);
          for (const v1::Decision& d : decisions) {
            for (const v1::Annotation& a : d.annotations()) {
              if (a.detector() == "counterparty_burst") ++hot_;
              if (a.reason_code() == "ACCOUNT_HELD") ++held_;
            }
            order_ok_ = order_ok_ && Ordered(d);
          }
        };
    auto engine = Engine::Create(store_.get(), pipeline, outbox_.get(),
                                 nullptr, options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static bool Ordered(const v1::Decision& d) {
    static const std::vector<std::string> kOrder = {
        "account_burst", "counterparty_burst", "account_burst_2"};
    size_t at = 0;
    for (const v1::Annotation& a : d.annotations()) {
      while (at < kOrder.size() && kOrder[at] != a.detector()) ++at;
      if (at == kOrder.size()) return false;
    }
    return true;
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sinks::Outbox> outbox_;
  absl::Mutex mu_;
  int hot_ ABSL_GUARDED_BY(mu_) = 0;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
  bool order_ok_ ABSL_GUARDED_BY(mu_) = true;
};

TEST_F(KeyedEngineTest, NoCheckpointRunsAheadOfTheEnginesDecisions) {
  std::unique_ptr<Engine> engine = MakeEngine(4);
  ASSERT_NE(engine, nullptr);
  engine->Start();
  // Watches the rule from outside: a shard's checkpoint offset, read
  // first, is never above what every shard has decided, read after.
  std::atomic<bool> done{false};
  std::atomic<int> violations{0};
  std::atomic<int> samples{0};
  std::thread watcher([&] {
    while (!done.load()) {
      for (uint32_t k = 0; k < 4; ++k) {
        uint64_t checkpointed = 0;
        engine->VisitShards([&](uint32_t i, const Shard& s) {
          if (i == k) checkpointed = s.checkpointed_through();
        });
        if (engine->processed_sequence() < checkpointed) violations++;
        samples++;
      }
    }
  });
  // 200 accounts paying 20 counterparties, 40 events a second: every
  // counterparty gets ~2 a second, so each exceeds 10 in a minute.
  uint64_t seq = 0;
  for (int batch = 0; batch < 150; ++batch) {
    std::vector<log::LoggedEvent> events;
    for (int i = 0; i < 20; ++i) {
      ++seq;
      events.push_back(Payment(seq, absl::StrCat("acct-", seq * 7 % 200),
                               absl::StrCat("cp-", seq % 20),
                               kT0 + static_cast<int64_t>(seq) * 25));
    }
    engine->Dispatch(std::move(events));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (engine->processed_sequence() < seq && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(engine->processed_sequence(), seq);
  const absl::Time stop_started = absl::Now();
  engine->Stop();  // each shard's last checkpoint waits for the others
  EXPECT_LT(absl::Now() - stop_started, absl::Seconds(10));
  done.store(true);
  watcher.join();
  EXPECT_EQ(violations.load(), 0) << "of " << samples.load() << " samples";
  EXPECT_EQ(engine->checkpointed_sequence(), seq);
  absl::MutexLock lock(&mu_);
  EXPECT_TRUE(order_ok_);
  // Each counterparty: ~2 payments a second over 150 s; from the 11th in
  // its minute on, every one is above the limit.
  EXPECT_GT(hot_, 2000);
}

TEST_F(KeyedEngineTest, TheSameAnnotationsWhateverTheShardCount) {
  std::vector<int> hot;
  for (uint32_t shards : {1u, 3u}) {
    OpenStore(absl::StrCat("engine-", shards));  // a fresh store
    std::unique_ptr<Engine> engine = MakeEngine(shards);
    ASSERT_NE(engine, nullptr);
    engine->Start();
    std::vector<log::LoggedEvent> events;
    // 30 accounts, one counterparty, within 30 s: 20 above the limit.
    for (uint64_t s = 1; s <= 30; ++s) {
      events.push_back(Payment(s, absl::StrCat("acct-", s), "cp-hot",
                               kT0 + static_cast<int64_t>(s) * 1000));
    }
    engine->Dispatch(std::move(events));
    engine->Stop();
    absl::MutexLock lock(&mu_);
    hot.push_back(hot_);
    hot_ = 0;
  }
  EXPECT_EQ(hot, (std::vector<int>{20, 20}));
}

// A held payment runs no detector, but a counterparty stage counts it on
// every layout: with the counterparty on another shard the stage ran before
// the home knew of the hold, so with it on the home shard it must run too.
// Before that rule, 1 shard counted 5 payments fewer than 3 shards, and a
// live run whose shard count changed at restarts disagreed with its replay
// (kill9_keyed_test).
TEST_F(KeyedEngineTest, HeldPaymentsCountInKeyedStagesWhateverTheShardCount) {
  // On 3 shards the held account's home is not the counterparty's shard.
  std::string held_account;
  for (int i = 0; held_account.empty(); ++i) {
    const std::string a = absl::StrCat("held-", i);
    if (ShardOf(a, 3) != ShardOf("cp-hot", 3)) held_account = a;
  }
  std::vector<int> hot, held;
  for (uint32_t shards : {1u, 3u}) {
    OpenStore(absl::StrCat("holds-", shards));  // a fresh store
    std::unique_ptr<Engine> engine = MakeEngine(shards, HoldingPipeline());
    ASSERT_NE(engine, nullptr);
    engine->Start();
    std::vector<log::LoggedEvent> events;
    // 8 payments of one account: the 3rd is FREEZE and holds it, the 5
    // after it are held. Then 20 accounts pay the same counterparty once
    // each: its counts there are 9..28 (all within 28 s), so 18 of them
    // are above 10.
    for (uint64_t s = 1; s <= 28; ++s) {
      const std::string account =
          s <= 8 ? held_account : absl::StrCat("acct-", s);
      events.push_back(Payment(s, account, "cp-hot",
                               kT0 + static_cast<int64_t>(s) * 1000));
    }
    engine->Dispatch(std::move(events));
    engine->Stop();
    absl::MutexLock lock(&mu_);
    hot.push_back(hot_);
    held.push_back(held_);
    hot_ = 0;
    held_ = 0;
  }
  EXPECT_EQ(held, (std::vector<int>{5, 5}));
  EXPECT_EQ(hot, (std::vector<int>{18, 18}));
}

TEST_F(KeyedEngineTest, HotReloadSwitchesStageLayoutsAtOneLogPosition) {
  std::unique_ptr<Engine> engine = MakeEngine(2);
  ASSERT_NE(engine, nullptr);
  engine->Start();
  auto burst = [&](uint64_t first, int64_t t0) {
    std::vector<log::LoggedEvent> events;
    // 20 accounts, one counterparty, within 20 s.
    for (uint64_t s = first; s < first + 20; ++s) {
      events.push_back(Payment(s, absl::StrCat("acct-", s), "cp-hot",
                               t0 + static_cast<int64_t>(s - first) * 1000));
    }
    engine->Dispatch(std::move(events));
  };
  burst(1, kT0);  // limit 10: 10 hits
  auto after = engine->Reload(KeyedPipeline(/*reordered=*/true));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 20u);
  // Ten minutes later, limit 5 and the keyed detector in slot 0: 15 hits.
  burst(21, kT0 + 600000);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (engine->processed_sequence() < 40 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(engine->processed_sequence(), 40u);
  engine->Stop();
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(hot_, 25);
}

}  // namespace
}  // namespace riskflow::engine
